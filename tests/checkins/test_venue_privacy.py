"""Venue owners and venue staff see counts and times, never who visited: every page and API route their
role opens is tried, and the station tells them nothing a card in front of them does not already say."""

import re
import uuid

import pytest
from django.urls import URLResolver, get_resolver
from django.utils import timezone

from epiqr.checkins.models import CheckIn
from epiqr.core.permissions import Role
from epiqr.people.services import person_create
from tests.checkins.conftest import cccd_payload
from tests.people.payloads import cccd_number

pytestmark = pytest.mark.django_db

NUMBER = cccd_number(born=1982, sex="M", serial=646464)


@pytest.fixture
def visitors(venue, commune):
    """Two people who checked in at the venue: one self check-in, one staff scan of his card."""
    lan = person_create(full_name="Vũ Thị Lan Khách", birth_year=1995, phone="0966 555 444", commune=commune)
    minh = person_create(
        full_name="Đặng Văn Minh Khách", birth_year=1982, phone="0966 555 333", id_number=NUMBER
    )
    now = timezone.now()
    for person, method in ((lan, "self"), (minh, "staff")):
        CheckIn.objects.create(venue=venue, person=person, checked_in_at=now, method=method)
    return [lan, minh]


def _markers(people) -> list[str]:
    out = []
    for p in people:
        out += [p.full_name, p.phone, f"{p.phone[:4]} {p.phone[4:7]} {p.phone[7:]}", str(p.public_id)]
        out += [d.number for d in p.documents.all()]
    return out


def _pages():
    """Every page route with its path parameters (the Django admin excluded: only administrators)."""

    def walk(patterns, prefix=""):
        for p in patterns:
            if isinstance(p, URLResolver):
                if p.namespace != "admin":
                    yield from walk(p.url_patterns, prefix + str(p.pattern))
            else:
                yield "/" + prefix + str(p.pattern)

    return list(walk(get_resolver().url_patterns))


def _fill(route: str, venue, visitors) -> str:
    values = {"int": str(venue.pk), "uuid": str(uuid.uuid4()), "str": "x"}
    return re.sub(r"<(?:(\w+):)?\w+>", lambda m: values.get(m.group(1) or "str", "x"), route)


@pytest.mark.parametrize("role", [Role.VENUE_OWNER, Role.VENUE_STAFF])
def test_no_page_shows_a_venue_owner_or_staff_who_visited(client, role, owner, venue, visitors, make_user):
    user = owner if role == Role.VENUE_OWNER else make_user(role, org_kind="venue", org_id=venue.pk)
    client.force_login(user)
    markers = _markers(visitors)
    opened = []
    for route in _pages():
        path = _fill(route, venue, visitors)
        r = client.get(path)
        assert r.status_code < 500, path
        if r.status_code == 200 and "html" in r.get("Content-Type", ""):
            opened.append(path)
            body = r.content.decode()
            assert not [m for m in markers if m in body], f"{path} shows a visitor"
    assert f"/checkins/venues/{venue.pk}/" in opened  # the dashboard was really tried
    if role == Role.VENUE_OWNER:
        assert f"/checkins/venues/{venue.pk}/visitors" in opened


@pytest.mark.parametrize("role", [Role.VENUE_OWNER, Role.VENUE_STAFF])
def test_no_api_route_answers_a_venue_owner_or_staff_with_a_visitor(
    api_client, role, owner, venue, visitors, make_user
):
    from epiqr.api import api

    user = owner if role == Role.VENUE_OWNER else make_user(role, org_kind="venue", org_id=venue.pk)
    client = api_client(user)
    markers = _markers(visitors)
    api.urls  # noqa: B018 - binds the routes
    tried = 0
    for prefix, router in api._routers:
        for path, view in router.path_operations.items():
            if "GET" not in {m for op in view.operations for m in op.methods}:
                continue
            url = (
                "/api/v1"
                + prefix
                + re.sub(
                    r"\{(?:\w+:)?(\w+)\}",
                    lambda m: str(visitors[0].public_id) if m.group(1) == "person_id" else str(venue.pk),
                    path,
                )
            )
            r = client.get(url + ("?q=Kh%C3%A1ch" if "{" not in path else ""))
            assert r.status_code < 500, url
            assert not [m for m in markers if m in r.content.decode(errors="replace")], url
            tried += 1
    assert tried >= 10


def test_the_station_shows_what_a_card_says_and_only_initials_for_a_typed_number(
    client, venue, visitors, make_user
):
    client.force_login(make_user(Role.VENUE_STAFF, org_kind="venue", org_id=venue.pk))
    typed = client.post(f"/checkins/station/{venue.pk}/", {"identifier": "0966555444"})
    html = typed.content.decode()
    assert typed.status_code == 200 and "Vũ Thị Lan Khách" not in html and "V. T. L. K." in html
    # A card printed by someone who knows his ID number but gives another name: the screen shows the
    # card's name, not the registry's.
    forged = cccd_payload(name="Tên Giả Mạo", year=1982, sex="M", serial=646464)
    assert forged.startswith(NUMBER)
    scanned = client.post(f"/checkins/station/{venue.pk}/", {"payload": forged}).content.decode()
    assert "Tên Giả Mạo" in scanned and "Đặng Văn Minh Khách" not in scanned


def test_the_scan_api_names_the_person_as_the_card_does(api_client, venue, visitors, make_user):
    client = api_client(make_user(Role.VENUE_STAFF, org_kind="venue", org_id=venue.pk))
    forged = cccd_payload(name="Tên Giả Mạo", year=1982, sex="M", serial=646464)
    r = client.post(
        "/api/v1/checkins/scan", {"venue": venue.code, "payload": forged}, content_type="application/json"
    )
    assert r.status_code == 200 and r.json()["person"]["full_name"] == "Tên Giả Mạo"
    assert r.json()["person"]["public_id"] == str(visitors[1].public_id)
