"""Care's test world: a commune with facilities of each tier near its point, a coordinator of one of them,
the commune's officer, and F0 patients made through the cases domain (made-up people)."""

from dataclasses import dataclass
from datetime import date

import pytest

from epiqr.care.places import commune_point
from epiqr.core.permissions import Role
from epiqr.core.timeutil import local_today


@dataclass
class CareWorld:
    commune: object
    other: object
    officer: object
    other_officer: object
    coordinator: object
    province: object
    facilities: dict


def make_facility(*, name, tier, commune, beds, offset=0.0, coordinator=None):
    from epiqr.care.models import BedPool, Facility

    lat, lon = commune_point(commune.pk)
    f = Facility.objects.create(
        name=name,
        tier=tier,
        commune=commune,
        latitude=lat + offset,
        longitude=lon + offset,
        address="Số 1 Phố Thử",
    )
    for kind, (total, occupied) in beds.items():
        BedPool.objects.create(facility=f, kind=kind, total=total, occupied=occupied)
    if coordinator is not None:
        f.coordinators.add(coordinator)
    return f


@pytest.fixture
def care(db, geo, commune, other_commune, make_user):
    coordinator = make_user(Role.FACILITY_COORDINATOR, province=geo)
    facilities = {
        "t1": make_facility(name="Trạm Thử tầng 1", tier=1, commune=commune, beds={"normal": (20, 5)}, coordinator=coordinator),
        "t2": make_facility(
            name="Bệnh viện Thử tầng 2", tier=2, commune=commune, beds={"normal": (10, 0), "oxygen": (10, 6)},
            offset=0.01, coordinator=coordinator,
        ),
        "t2far": make_facility(name="Bệnh viện Xa tầng 2", tier=2, commune=other_commune, beds={"oxygen": (10, 0)}, offset=0.2),
        "t3": make_facility(name="Bệnh viện Thử tầng 3", tier=3, commune=commune, beds={"oxygen": (10, 0), "icu": (3, 0)}, offset=0.02),
    }  # fmt: skip
    return CareWorld(
        commune=commune,
        other=other_commune,
        officer=make_user(Role.COMMUNE_OFFICER, commune=commune, email="tram-y-te@example.test"),
        other_officer=make_user(Role.COMMUNE_OFFICER, commune=other_commune),
        coordinator=coordinator,
        province=make_user(Role.PROVINCE_OFFICER, province=geo),
        facilities=facilities,
    )


@pytest.fixture
def new_patient(care):
    """new_patient(rr=, spo2=, signs=, confirmed_on=, **person) -> an assessed F0 of the commune."""
    from epiqr.care import services
    from epiqr.cases.services import case_open
    from tests.factories import PersonFactory

    def make(rr=16, spo2=98, signs=(), comorbidities=(), confirmed_on: date | None = None, **person):
        p = PersonFactory(commune=care.commune, **person)
        case = case_open(person=p, confirmed_on=confirmed_on or local_today())
        patient = services.patient_open(case=case)
        return services.patient_assess(
            patient=patient,
            actor=care.officer,
            respiratory_rate=rr,
            spo2=spo2,
            signs=signs,
            comorbidities=comorbidities,
        )

    return make
