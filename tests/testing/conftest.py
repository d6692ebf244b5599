"""Fixtures for the testing domain: a pooled session in the first commune, staff, and people with QR codes."""

import itertools
from datetime import date

import pytest

from epiqr.core.permissions import Role
from epiqr.core.timeutil import local_today

_n = itertools.count(1)


@pytest.fixture
def sampler(make_user, commune):
    return make_user(Role.SAMPLER, commune=commune)


@pytest.fixture
def lab_tech(make_user, geo):
    return make_user(Role.LAB_TECH, province=geo)


@pytest.fixture
def site(commune):
    from epiqr.testing.services import site_create

    return site_create(name="Trạm y tế phường", commune_id=commune.pk, address="1 Phố Thử")


@pytest.fixture
def pooled_session(site, sampler):
    from epiqr.testing.models import TestKind
    from epiqr.testing.services import session_create

    return session_create(
        site=site, team="Tổ 1", day=local_today(), kind=TestKind.PCR_POOLED, pool_size_limit=5, actor=sampler
    )


@pytest.fixture
def single_session(site, sampler):
    from epiqr.testing.models import TestKind
    from epiqr.testing.services import session_create

    return session_create(site=site, team="Tổ 2", day=local_today(), kind=TestKind.PCR_SINGLE, actor=sampler)


@pytest.fixture
def make_person(db, commune):
    """make_person(**fields): a made-up person with a phone, a birth date and a CCCD on file."""
    from epiqr.people.models import DocumentKind, IdentityDocument
    from tests.factories import PersonFactory

    def build(**fields):
        n = next(_n)
        fields.setdefault("birth_date", date(1980 + n % 30, 1 + n % 12, 1 + n % 27))
        fields.setdefault("birth_year", fields["birth_date"].year)
        fields.setdefault("commune", commune)
        person = PersonFactory(**fields)
        IdentityDocument.objects.create(person=person, kind=DocumentKind.CCCD, number=f"0010{n:08d}")
        return person

    return build


@pytest.fixture
def qr():
    """qr(person): the person's EpiQR personal QR payload, as a phone shows it."""
    from epiqr.people.services import person_personal_qr

    return lambda person: person_personal_qr(person=person)


@pytest.fixture
def filled_tube(pooled_session, sampler, make_person):
    """filled_tube(barcode, n): a closed tube of n new people in the pooled session."""
    from epiqr.testing import services

    def build(barcode: str, n: int = 3, session=None):
        session = session or pooled_session
        tube = services.tube_open(session=session, barcode=barcode, actor=sampler)
        for _i in range(n):
            services.tube_member_add(tube=tube, person=make_person(), actor=sampler)
        tube.refresh_from_db()
        return services.tube_close(tube=tube, actor=sampler)

    return build
