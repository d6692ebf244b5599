"""The scan's direct entry (epiqr.api.bearer_direct) answers exactly as Ninja's own view of the operation.

A request with a valid bearer token enters the view directly; a session-authenticated one goes through
Ninja. Every answer below is asked both ways and compared, so the shortcut cannot drift from the API.
"""

import json
from datetime import timedelta

import pytest
from django.test import Client
from django.urls import resolve
from django.utils import timezone

from epiqr.checkins import api as checkins_api
from epiqr.checkins.models import CheckIn
from epiqr.people.models import Person

from .conftest import cccd_payload

URL = "/api/v1/checkins/scan"


@pytest.fixture
def both(api_client, owner):
    """(bearer client: the direct entry, session client: Ninja's view) for the venue's owner."""
    session = Client()
    session.force_login(owner)
    return api_client(owner), session


def _comparable(response) -> tuple:
    """Status, content type and body, without what differs from one stored visit to the next."""
    try:
        body = response.json()
    except ValueError:  # an answer that is not JSON is compared as bytes
        body = response.content
    if isinstance(body, dict):
        body = {k: v for k, v in body.items() if k not in ("checkin_id", "checked_in_at")}
    return response.status_code, response["Content-Type"], body


def test_the_scan_url_resolves_to_the_direct_entry_of_the_same_view():
    match = resolve(URL)
    assert match.func.__wrapped__ is checkins_api.scan
    assert match.func.no_personal_data  # the route's audit declaration comes along (core.audit)


def test_a_new_card_and_its_repeat_answer_alike_both_ways(both, venue):
    direct, ninja = both
    for client in (direct, ninja):
        payload = cccd_payload()
        first = client.post(URL, {"venue": venue.code, "payload": payload}, content_type="application/json")
        again = client.post(URL, {"venue": venue.code, "payload": payload}, content_type="application/json")
        assert first.status_code == 200 and first.json()["status"] == "ok"
        assert (
            again.json()["status"] == "duplicate" and again.json()["checkin_id"] == first.json()["checkin_id"]
        )
        body = first.json()
        # the time as the API's encoder writes it (milliseconds, Z)
        assert body["checked_in_at"].endswith("Z") and len(body["checked_in_at"]) in (20, 24)
        row = CheckIn.objects.get(pk=body["checkin_id"])
        assert row.checked_in_at.isoformat(timespec="milliseconds").replace("+00:00", "Z") == (
            body["checked_in_at"] if "." in body["checked_in_at"] else body["checked_in_at"][:-1] + ".000Z"
        )
        assert body["person"]["public_id"] == str(Person.objects.get(pk=row.person_id).public_id)


@pytest.mark.parametrize(
    "body",
    [
        "{not json",
        "[1, 2]",
        json.dumps({"venue": "x" * 20000}),  # over the body limit: 413 before anything is read
        json.dumps({"venue": 5, "payload": "x"}),
        json.dumps({"venue": "{venue}"}),  # no payload
        json.dumps({"venue": "{venue}", "payload": "NOT-A-CARD"}),
        json.dumps({"venue": "{venue}", "payload": "{card}", "scanned_at": "yesterday-ish"}),
        json.dumps({"venue": "{venue}", "payload": "{card}", "has_symptoms": "yes"}),
        json.dumps({"venue": "{venue}", "payload": "{card}", "scanned_at": "{future}"}),
        json.dumps({"venue": "{other}", "payload": "{card}"}),  # someone else's venue: 403
        json.dumps({"venue": "NOPE", "payload": "{card}"}),
        json.dumps({"venue_token": "abc.def", "payload": "{card}"}),
        json.dumps({"payload": "{card}"}),  # no venue
    ],
)
def test_every_refusal_is_the_same_answer_both_ways(both, venue, other_venue, body):
    card = cccd_payload()
    future = (timezone.now() + timedelta(hours=2)).isoformat()
    text = (
        body.replace("{venue}", venue.code)
        .replace("{other}", other_venue.code)
        .replace("{card}", card)
        .replace("{future}", future)
    )
    direct, ninja = both
    answers = [_comparable(c.post(URL, text, content_type="application/json")) for c in both]
    assert answers[0] == answers[1]
    assert 400 <= answers[0][0] < 500
    assert CheckIn.objects.count() == 0


def test_other_methods_and_tokens_that_do_not_authenticate_get_ninjas_answers(both, venue, client):
    direct, _ninja = both
    assert direct.get(URL).status_code == 405
    assert direct.put(URL, "{}", content_type="application/json").status_code == 405
    body = {"venue": venue.code, "payload": cccd_payload()}
    stranger = Client(headers={"Authorization": "Bearer nope.nope"})
    r = stranger.post(URL, body, content_type="application/json")
    assert r.status_code == 401 and r.json()["code"] == "unauthorised"
    assert client.post(URL, body, content_type="application/json").status_code == 401
    assert CheckIn.objects.count() == 0


def test_a_revoked_token_is_refused_by_the_direct_entry_too(api_client, owner, venue):
    from epiqr.accounts.models import ApiToken
    from epiqr.accounts.services import api_token_revoke

    bearer = api_client(owner)
    body = {"venue": venue.code, "payload": cccd_payload()}
    assert bearer.post(URL, body, content_type="application/json").status_code == 200
    api_token_revoke(user=owner, prefix=ApiToken.objects.get(user=owner).prefix)
    body = {"venue": venue.code, "payload": cccd_payload()}
    assert bearer.post(URL, body, content_type="application/json").status_code == 401
