"""Staff scans through POST /api/v1/checkins/scan: green, duplicate, red, and bad input as 4xx."""

from datetime import timedelta

from django.utils import timezone

from epiqr.core.permissions import Role
from epiqr.venues.codes import code_make

from .conftest import cccd_payload

URL = "/api/v1/checkins/scan"


def post(client, **body):
    return client.post(URL, body, content_type="application/json")


def test_first_scan_registers_the_person_and_checks_in(owner_api, venue, checkins):
    r = post(owner_api, venue=venue.code, payload=cccd_payload(name="Trần Thị Bình"))
    assert r.status_code == 200, r.content
    body = r.json()
    assert body["status"] == "ok" and body["green"] and not body["duplicate"]
    assert body["person"]["full_name"] == "Trần Thị Bình"
    assert body["person_created"] is True
    row = checkins.get(pk=body["checkin_id"])
    assert row.venue_id == venue.pk and row.method == "staff"


def test_repeated_scans_within_minutes_are_one_visit(owner_api, venue, checkins):
    payload = cccd_payload()
    first = post(owner_api, venue=venue.code, payload=payload).json()
    again = post(owner_api, venue=venue.code, payload=payload).json()
    assert again["duplicate"] is True and again["checkin_id"] == first["checkin_id"]
    assert again["person"]["public_id"] == first["person"]["public_id"]
    later = post(
        owner_api,
        venue=venue.code,
        payload=payload,
        scanned_at=(timezone.now() + timedelta(minutes=9)).isoformat(),
    ).json()
    assert later["status"] == "ok" and later["checkin_id"] != first["checkin_id"]
    assert checkins.count() == 2


def test_person_under_isolation_is_red_and_not_recorded(owner_api, venue, checkins, commune):
    from epiqr.cases.models import Case

    first = post(owner_api, venue=venue.code, payload=(payload := cccd_payload())).json()
    checkins.all().delete()
    from epiqr.people.models import Person

    person = Person.objects.get(public_id=first["person"]["public_id"])
    Case.objects.create(person=person, confirmed_on=timezone.localdate(), commune=commune)
    body = post(owner_api, venue=venue.code, payload=payload).json()
    assert body["status"] == "refused" and body["green"] is False
    assert body["code"] == "active_case" and body["reason"]
    assert body["person"]["public_id"] == first["person"]["public_id"]
    assert checkins.count() == 0


def test_unreadable_payloads_are_422_with_a_reason_and_store_nothing(owner_api, venue, checkins):
    good = cccd_payload()
    bad = {
        "truncated": good[:30],
        "wrong field count": "|".join(good.split("|")[:4]),
        "garbage": "hello world",
        "empty": "   ",
        "forged personal QR": "EPIQR1:" + "A" * 40,
    }
    for label, payload in bad.items():
        r = post(owner_api, venue=venue.code, payload=payload)
        assert 400 <= r.status_code < 500, (label, r.status_code, r.content)
        assert r.json()["detail"], label
    assert checkins.count() == 0


def test_bad_requests_are_4xx_never_500(owner_api, venue, checkins, api_client, make_user, other_venue):
    future = (timezone.now() + timedelta(hours=2)).isoformat()
    r = post(owner_api, venue=venue.code, payload=cccd_payload(), scanned_at=future)
    assert r.status_code == 422 and r.json()["code"] == "future"
    r = post(owner_api, venue=venue.code, payload=cccd_payload(), scanned_at="yesterday-ish")
    assert r.status_code == 422
    r = post(owner_api, venue="NOPE", payload=cccd_payload())
    assert r.status_code in (404, 422) and r.json()["detail"]
    r = post(owner_api, venue_token="abc.def", payload=cccd_payload())
    assert r.status_code == 422 and r.json()["code"] == "token_invalid"
    r = owner_api.post(URL, "{not json", content_type="application/json")
    assert 400 <= r.status_code < 500
    r = owner_api.post(URL, '{"venue": "' + "x" * 20000 + '"}', content_type="application/json")
    assert r.status_code == 413 and r.json()["code"] == "too_large"
    # someone else's venue
    r = post(owner_api, venue=other_venue.code, payload=cccd_payload())
    assert r.status_code == 403
    # a role without the scan capability
    officer = api_client(make_user(Role.LAB_TECH))
    assert post(officer, venue=venue.code, payload=cccd_payload()).status_code == 403
    assert checkins.count() == 0


def test_scan_needs_authentication(client, venue):
    r = client.post(URL, {"venue": venue.code, "payload": cccd_payload()}, content_type="application/json")
    assert r.status_code == 401


def test_a_well_formed_code_naming_no_venue_is_a_404(owner_api, venue, checkins):
    unknown = next(c for c in iter(code_make, None) if c != venue.code)
    r = post(owner_api, venue=unknown, payload=cccd_payload())
    assert r.status_code == 404 and r.json()["code"] == "code_unknown"
    assert checkins.count() == 0
