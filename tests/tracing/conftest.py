"""A small world for tracing stories: a café and a market in one commune, people in two communes,
check-ins recorded through the check-in service yesterday (local time)."""

from datetime import datetime, timedelta

import pytest

from epiqr.core.timeutil import VN_TZ, local_today


def reseed_policies():
    """The shipped policies come from a data migration; a transactional test elsewhere flushes them."""
    from importlib import import_module

    from epiqr.tracing.models import TracingPolicy

    if not TracingPolicy.objects.exists():
        seed = import_module("epiqr.tracing.migrations.0002_seed_policies")
        for row in seed.POLICIES:
            TracingPolicy.objects.create(**row)


def policies_for(request) -> None:
    """For tests that use the database: make sure the shipped policies are there."""
    marker = request.node.get_closest_marker("django_db")
    if marker is None and "db" not in request.fixturenames:
        return
    transactional = bool(marker and (marker.kwargs.get("transaction") or (marker.args and marker.args[0])))
    request.getfixturevalue("transactional_db" if transactional else "db")
    reseed_policies()


@pytest.fixture(autouse=True)
def _policies(request):
    policies_for(request)


@pytest.fixture
def yesterday():
    return local_today() - timedelta(days=1)


@pytest.fixture
def at(yesterday):
    """at(10, 20) -> yesterday 10:20 in Vietnam time."""

    def make(hour: int, minute: int = 0, days_ago: int = 0):
        day = yesterday - timedelta(days=days_ago)
        return datetime(day.year, day.month, day.day, hour, minute, tzinfo=VN_TZ)

    return make


@pytest.fixture
def visit():
    """visit(person, venue, start, end=None): a check-in recorded as the check-in service does."""
    from epiqr.checkins.services import checkin_checkout, checkin_record

    def make(person, venue, start, end=None):
        checkin = checkin_record(venue_id=venue.pk, person_id=person.pk, method="self", at=start).checkin
        if end is not None:
            checkin_checkout(checkin_ids=[checkin.pk], person_ids=[person.pk], at=end)
        return checkin

    return make


@pytest.fixture
def world(commune, other_commune):
    from tests.factories import PersonFactory, VenueFactory

    def person(name, where=commune, **kw):
        return PersonFactory(full_name=name, commune=where, address="12 Ngõ Huế", **kw)

    return {
        "cafe": VenueFactory(name="Cà phê Giảng", commune=commune),
        "market": VenueFactory(name="Chợ Hôm", commune=commune, sector="retail"),
        "f0": person("Nguyễn Văn An"),
        "binh": person("Trần Thị Bình", email="binh@example.test"),
        "chau": person("Lê Minh Châu", other_commune),
        "dung": person("Phạm Quốc Dũng"),
        "ha": person("Hoàng Thu Hà"),
    }


@pytest.fixture
def case_of(yesterday):
    """case_of(person): an F0 confirmed today with onset yesterday (infectious from 3 days ago)."""
    from epiqr.cases.services import case_open

    def make(person, **kw):
        kw.setdefault("confirmed_on", local_today())
        kw.setdefault("onset_on", yesterday)
        return case_open(person=person, **kw)

    return make


@pytest.fixture
def cafe_story(world, at, visit, case_of):
    """An (F0) at the café 10:00-10:40; Bình 10:20-10:50 (F1); Châu, from another commune, 10:30-11:10
    (F1); Dũng 13:00-13:30 (not a contact); later Bình at the market 15:00-15:40 with Hà 15:10-15:50 (F2)."""
    w = world
    visit(w["f0"], w["cafe"], at(10), at(10, 40))
    visit(w["binh"], w["cafe"], at(10, 20), at(10, 50))
    visit(w["chau"], w["cafe"], at(10, 30), at(11, 10))
    visit(w["dung"], w["cafe"], at(13), at(13, 30))
    visit(w["binh"], w["market"], at(15), at(15, 40))
    visit(w["ha"], w["market"], at(15, 10), at(15, 50))
    return {**w, "case": case_of(w["f0"])}
