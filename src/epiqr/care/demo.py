"""Care's demo: made-up treatment facilities of Hà Nội in the three tiers with their beds, and F0
patients at home and admitted (made-up people of the demo), with self-reports.

`demo-dieu-phoi` coordinates two facilities near Phường Hoàn Kiếm and lands on /care/ with routings to
decide (one a transfer after a patient's SpO2 fell) and a patient to admit; `demo-xa` sees the F0s of the
commune at home, one of them with a warning. Facilities stand at their commune's point (vietnamadminunits'
coordinates, care.places) moved by a few hundred metres, so distances look like a city's.
"""

from datetime import timedelta

from django.utils import translation

from epiqr.cases.services import case_open
from epiqr.core.timeutil import local_today, now

from . import services
from .models import BedPool, Facility, Patient, PatientStatus, Slot
from .places import commune_point

FACILITIES = [
    # (name, tier, {kind: (total, occupied)}, nearest communes rank: 0 is the home commune)
    ("Trạm y tế lưu động Hoàn Kiếm số 1", 1, {"normal": (40, 31)}, 0),
    ("Bệnh viện dã chiến Hoàn Kiếm (tầng 2)", 2, {"normal": (20, 12), "oxygen": (30, 25)}, 0),
    ("Khu cách ly tập trung Ký túc xá Mỹ Đình (tầng 1)", 1, {"normal": (120, 80)}, 3),
    ("Bệnh viện dã chiến số 2 (tầng 2)", 2, {"normal": (30, 10), "oxygen": (40, 38)}, 5),
    ("Bệnh viện điều trị COVID-19 Đông Anh (tầng 2)", 2, {"normal": (20, 20), "oxygen": (20, 20)}, 8),
    ("Bệnh viện Hồi sức COVID-19 Hà Nội (tầng 3)", 3, {"oxygen": (60, 51), "icu": (20, 18)}, 2),
    ("Trung tâm Hồi sức tích cực Thanh Nhàn (tầng 3)", 3, {"oxygen": (20, 19), "icu": (10, 10)}, 6),
]
# (respiratory rate, SpO2, signs, comorbidities, confirmed days ago, where): the demo's patients
PATIENTS = [
    (16, 98, ["fever"], [], 8, "home"),
    (18, 97, ["cough"], [], 5, "home"),
    (17, 98, [], [], 3, "home"),
    (22, 95, ["fever", "breathless_exertion"], ["diabetes"], 2, "admit2"),
    (27, 92, ["breathless_rest"], ["hypertension"], 4, "admit3"),
    (16, 97, ["tired"], ["heart"], 1, "propose"),
    (19, 97, ["sore_throat"], [], 0, "new"),
]


def _facilities(world) -> list[Facility]:
    rng = world["rng"]
    home = world["home_commune"]
    communes = [home] + [c for c in world["communes"] if c.pk != home.pk and commune_point(c.pk)]
    out = []
    for name, tier, beds, rank in FACILITIES:
        commune = communes[min(rank, len(communes) - 1)]
        lat, lon = commune_point(commune.pk) or (21.0285, 105.8542)
        f = Facility.objects.create(
            name=name,
            tier=tier,
            address=f"Số {rng.randrange(1, 200)} phố Demo, {commune.name}",
            commune=commune,
            latitude=round(lat + rng.uniform(-0.004, 0.004), 5),
            longitude=round(lon + rng.uniform(-0.004, 0.004), 5),
        )
        BedPool.objects.bulk_create(
            BedPool(facility=f, kind=kind, total=total, occupied=occupied)
            for kind, (total, occupied) in beds.items()
        )
        out.append(f)
    coordinator = world.get("users", {}).get("demo-dieu-phoi")
    if coordinator is not None:
        for f in out[:2]:
            f.coordinators.add(coordinator)
    return out


def _vitals(p: Patient, rr, spo2, signs, comorbidities, officer) -> Patient:
    return services.patient_assess(
        patient=p, actor=officer, respiratory_rate=rr, spo2=spo2, signs=signs, comorbidities=comorbidities
    )


def populate(world: dict) -> None:
    users = world.get("users", {})
    officer = users.get("demo-xa")
    coordinator = users.get("demo-dieu-phoi")
    province_officer = users.get("demo-tinh")
    if officer is None or coordinator is None or province_officer is None:
        return
    with translation.override("vi"):
        facilities = _facilities(world)
        today = local_today()
        home = world["home_commune"]
        taken = {c.person_id for c in world.get("cases", [])}
        people = [p for p in world.get("people", []) if p.commune_id == home.pk and p.pk not in taken][
            : len(PATIENTS)
        ]
        for case in world.get("cases", []):
            services.patient_open(case=case)
        for person, (rr, spo2, signs, comorbidities, ago, where) in zip(people, PATIENTS, strict=False):
            case = case_open(person=person, confirmed_on=today - timedelta(days=ago), actor=officer)
            p = _vitals(services.patient_open(case=case), rr, spo2, signs, comorbidities, officer)
            if where == "home":
                p = services.patient_home(patient=p, actor=officer)
                for back in range(min(ago, 3), 0, -1):
                    for slot in (Slot.MORNING, Slot.EVENING):
                        services.report_record(
                            patient=p, slot=slot, day=today - timedelta(days=back), respiratory_rate=rr,
                            pulse=78 + back, temperature="37.2", spo2=spo2, actor=officer, by_team=True,
                        )  # fmt: skip
                if ago >= 8:  # the first one tested negative today: released, her paper can be printed
                    p = services.patient_test_negative(patient=p, actor=officer, on=today)
                    services.patient_release(patient=p, actor=officer)
            elif where in ("admit2", "admit3"):
                r = services.routing_propose(patient=p, actor=officer)
                if r.facility is not None:
                    decider = (
                        coordinator
                        if r.facility.coordinators.filter(pk=coordinator.pk).exists()
                        else province_officer
                    )
                    services.routing_decide(routing_id=r.pk, actor=decider, accept=True)
                    services.patient_admit(patient=p, actor=decider)
            elif where == "propose":
                services.routing_propose(
                    patient=p, actor=officer, reason="Bệnh nền tim mạch: cần theo dõi tại cơ sở."
                )
        # One F0 at home reports a warning tonight: a routing is proposed and the hotline told.
        at_home = Patient.objects.filter(status=PatientStatus.AT_HOME, commune=home).order_by("pk").first()
        if at_home is not None:
            services.report_record(
                patient=at_home, slot=services.slot_of(now())[1], respiratory_rate=23,
                pulse=104, temperature="38.6", spo2=94, signs=["breathless_exertion"], actor=officer, by_team=True,
            )  # fmt: skip
        # An admitted moderate patient worsens: the assessment proposes a transfer to tier 3.
        admitted = (
            Patient.objects.filter(status=PatientStatus.ADMITTED, facility__tier=2).order_by("pk").first()
        )
        if admitted is not None:
            _vitals(admitted, 28, 91, ["breathless_rest"], admitted.comorbidities, officer)
    world["facilities"] = facilities
    world["logins"].append(
        ("demo-dieu-phoi", world["password"], "routings to decide, beds, arrivals: /care/")
    )
