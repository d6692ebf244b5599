"""Fixtures for the vaccination domain: a site and a Pfizer session in the first commune, a vaccinator,
and made-up people with a CCCD on file and a personal QR."""

import itertools
from datetime import date, timedelta

import pytest

from epiqr.core.permissions import Role
from epiqr.core.timeutil import local_today

_n = itertools.count(1)


@pytest.fixture
def vaccinator(make_user, commune):
    return make_user(Role.VACCINATOR, commune=commune)


@pytest.fixture
def site(commune):
    from epiqr.vaccination.services import site_create

    return site_create(name="Trạm y tế phường", commune_id=commune.pk, address="1 Phố Thử")


@pytest.fixture
def lot(db):
    from epiqr.vaccination.services import lot_get_or_create

    return lot_get_or_create(product="PFIZER", number="FK0108", expires_on=local_today() + timedelta(days=60))


@pytest.fixture
def session(site, vaccinator, lot):
    from epiqr.vaccination.services import session_create

    return session_create(
        site=site, day=local_today(), team="Tổ tiêm 1", product="PFIZER", lot=lot, actor=vaccinator
    )


@pytest.fixture
def make_person(db, commune):
    """make_person(**fields): a made-up person with a birth date and a CCCD on file."""
    from epiqr.people.models import DocumentKind, IdentityDocument
    from tests.factories import PersonFactory

    def build(**fields):
        n = next(_n)
        fields.setdefault("birth_date", date(1960 + n % 40, 1 + n % 12, 1 + n % 27))
        fields.setdefault("birth_year", fields["birth_date"].year)
        fields.setdefault("commune", commune)
        person = PersonFactory(**fields)
        IdentityDocument.objects.create(person=person, kind=DocumentKind.CCCD, number=f"0019{n:08d}")
        return person

    return build


@pytest.fixture
def qr():
    from epiqr.people.services import person_personal_qr

    return lambda person: person_personal_qr(person=person)


@pytest.fixture
def give_dose(vaccinator):
    """give_dose(person, product, days_ago): a dose in the person's history (imported, no checks)."""
    from epiqr.core.timeutil import now
    from epiqr.vaccination.models import DoseSource
    from epiqr.vaccination.services import dose_record

    def build(person, product="PFIZER", days_ago=30):
        return dose_record(
            person=person,
            product=product,
            given_at=now() - timedelta(days=days_ago),
            source=DoseSource.IMPORT,
            actor=vaccinator,
        ).dose

    return build
