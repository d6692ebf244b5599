"""The scan path's shortcuts keep every behaviour: cached tokens and venues expire within their bound,
a known card is found in one query, and anything unusual still takes the full path."""

import json
import uuid
from datetime import datetime, timedelta

from django.utils import timezone

from epiqr.accounts.models import ApiToken
from epiqr.accounts.services import (
    TOKEN_CACHE_SECONDS,
    api_token_authenticate,
    api_token_create,
    api_token_revoke,
)
from epiqr.core.permissions import Role
from epiqr.venues.selectors import VENUE_FACTS_SECONDS

from .conftest import cccd_payload

URL = "/api/v1/checkins/scan"


def scan(client, venue, payload):
    return client.post(URL, {"venue": venue.code, "payload": payload}, content_type="application/json")


# --- API tokens ------------------------------------------------------------------------------------


def test_token_revoked_in_another_worker_stops_working_within_the_bound(owner, cache_clock):
    raw = api_token_create(user=owner, name="station")
    assert api_token_authenticate(raw=raw) == owner
    # another worker process revokes it: this process learns it only from the database
    ApiToken.objects.filter(user=owner).update(revoked_at=timezone.now())
    cache_clock.now += TOKEN_CACHE_SECONDS - 0.5
    assert api_token_authenticate(raw=raw) == owner  # still trusted inside the documented bound
    cache_clock.now += 1
    assert api_token_authenticate(raw=raw) is None


def test_token_revoked_in_this_worker_stops_at_once(owner, cache_clock):
    raw = api_token_create(user=owner, name="station")
    assert api_token_authenticate(raw=raw) == owner
    api_token_revoke(user=owner, prefix=raw.split(".")[0])
    assert api_token_authenticate(raw=raw) is None


def test_deactivated_user_is_refused_after_the_bound(api_client, owner, venue, cache_clock):
    client = api_client(owner)
    assert scan(client, venue, cccd_payload()).status_code == 200
    type(owner).objects.filter(pk=owner.pk).update(is_active=False)
    cache_clock.now += TOKEN_CACHE_SECONDS + 0.1
    assert scan(client, venue, cccd_payload()).status_code == 401


def test_a_wrong_secret_is_never_served_from_the_cache(owner):
    raw = api_token_create(user=owner, name="station")
    assert api_token_authenticate(raw=raw) == owner
    prefix = raw.split(".")[0]
    assert api_token_authenticate(raw=f"{prefix}.not-the-secret") is None


def test_requests_get_their_own_user_object(owner):
    raw = api_token_create(user=owner, name="station")
    first = api_token_authenticate(raw=raw)
    first.role = Role.ADMIN  # a request changing its user must not leak into the next request
    first.commune  # noqa: B018 - loads and caches the related row on this request's copy only
    second = api_token_authenticate(raw=raw)
    assert second.role == Role.VENUE_OWNER
    assert second._state is not first._state and "commune" not in second._state.fields_cache
    assert second == owner and not second._state.adding


# --- venues ----------------------------------------------------------------------------------------


def test_closed_venue_refused_with_its_reason_within_the_bound(owner_api, venue, cache_clock):
    assert scan(owner_api, venue, cccd_payload()).status_code == 200
    type(venue).objects.filter(pk=venue.pk).update(is_active=False)
    cache_clock.now += VENUE_FACTS_SECONDS + 0.1
    r = scan(owner_api, venue, cccd_payload())
    assert r.status_code == 422 and r.json()["code"] == "venue_inactive"


def test_venue_handed_to_another_owner_is_refused_to_the_old_owner(owner_api, venue, make_user, cache_clock):
    assert scan(owner_api, venue, cccd_payload()).status_code == 200
    type(venue).objects.filter(pk=venue.pk).update(owner=make_user(Role.VENUE_OWNER))
    cache_clock.now += VENUE_FACTS_SECONDS + 0.1
    r = scan(owner_api, venue, cccd_payload())
    assert r.status_code == 403 and r.json()["code"] == "venue_not_allowed"


def test_other_owner_is_refused_even_when_the_venue_is_cached(owner_api, api_client, venue, other_venue):
    assert scan(owner_api, venue, cccd_payload()).status_code == 200
    other = api_client(other_venue.owner)
    r = scan(other, venue, cccd_payload())
    assert r.status_code == 403 and r.json()["code"] == "venue_not_allowed"


def test_typed_code_in_lower_case_with_separators_finds_the_cached_venue(owner_api, venue, checkins):
    typed = "-".join([venue.code[:3].lower(), venue.code[3:].lower()])
    r = owner_api.post(URL, {"venue": typed, "payload": cccd_payload()}, content_type="application/json")
    assert r.status_code == 200, r.content
    assert checkins.get(pk=r.json()["checkin_id"]).venue_id == venue.pk


# --- the known card's short path ---------------------------------------------------------------------


def test_known_card_scan_takes_two_queries(owner_api, venue, django_assert_max_num_queries):
    payload = cccd_payload()
    scan(owner_api, venue, payload)  # registers the person; token and venue now cached
    from tests.factories import VenueFactory

    second = VenueFactory(commune=venue.commune, owner=venue.owner)
    scan(owner_api, second, cccd_payload())  # warms the second venue's facts
    # person by document; insert unless isolated or within the duplicate window
    with django_assert_max_num_queries(2):
        r = scan(owner_api, second, payload)
    assert r.status_code == 200 and r.json()["status"] == "ok"
    assert r.json()["person_created"] is False


def test_scan_still_fills_what_the_registry_lacks(owner_api, venue):
    from epiqr.people.models import Person

    payload = cccd_payload(name="Lê Minh Châu", year=1985, sex="F")
    body = scan(owner_api, venue, payload).json()
    Person.objects.filter(public_id=body["person"]["public_id"]).update(address="", sex="", birth_date=None)
    again = scan(owner_api, venue, payload).json()
    assert again["person"]["public_id"] == body["person"]["public_id"]
    person = Person.objects.get(public_id=body["person"]["public_id"])
    assert person.address == "12 Phố Huế, Hà Nội" and person.sex == "F" and person.birth_date.year == 1985


# --- the hand-parsed scan request ------------------------------------------------------------------


def test_bad_scan_bodies_are_4xx_naming_the_problem(owner_api, venue, checkins):
    v = venue.code
    cases = [
        ("not json", "{venue:", "bad_json"),
        ("a list", json.dumps([1, 2]), "bad_json"),
        ("no payload", json.dumps({"venue": v}), "empty"),
        ("payload a number", json.dumps({"venue": v, "payload": 12}), "bad_field"),
        ("venue a list", json.dumps({"venue": ["x"], "payload": "x"}), "bad_field"),
        ("time a number", json.dumps({"venue": v, "payload": "x", "scanned_at": 5}), "bad_time"),
        ("time not a time", json.dumps({"venue": v, "payload": "x", "scanned_at": "hôm qua"}), "bad_time"),
        ("symptoms as text", json.dumps({"venue": v, "payload": "x", "has_symptoms": "có"}), "bad_symptoms"),
    ]
    for label, body, code in cases:
        r = owner_api.post(URL, body, content_type="application/json")
        assert r.status_code == (400 if label == "not json" else 422), (label, r.status_code, r.content)
        assert r.json()["code"] == code and r.json()["detail"], label
    assert checkins.count() == 0


def test_scan_answer_keeps_its_shape_and_symptoms_and_time(owner_api, venue, checkins):
    at = timezone.now().replace(microsecond=0) - timedelta(minutes=3)
    body = {
        "venue": venue.code,
        "payload": cccd_payload(),
        "scanned_at": at.isoformat(),
        "has_symptoms": True,
    }
    r = owner_api.post(URL, body, content_type="application/json")
    assert r.status_code == 200, r.content
    answer = r.json()
    assert set(answer) == {
        "status",
        "duplicate",
        "green",
        "reason",
        "code",
        "person",
        "person_created",
        "checkin_id",
        "checked_in_at",
    }
    row = checkins.get(pk=answer["checkin_id"])
    assert row.has_symptoms is True and row.checked_in_at == at
    assert datetime.fromisoformat(answer["checked_in_at"].replace("Z", "+00:00")) == at


def test_scan_request_is_still_documented_in_the_api_schema(owner_api):
    schema = owner_api.get("/api/v1/openapi.json").json()
    body = schema["paths"]["/api/v1/checkins/scan"]["post"]["requestBody"]["content"]["application/json"]
    assert {"payload", "venue", "scanned_at"} <= set(body["schema"]["properties"])


# --- batch: the per-row window read and the hand-parsed body ------------------------------------------

BATCH = "/api/v1/checkins/batch"


def upload(client, items):
    r = client.post(BATCH, {"items": items}, content_type="application/json")
    assert r.status_code == 200, r.content
    return r.json()


def batch_item(venue, payload, *, minutes_ago, client_id=None):
    return {
        "client_id": client_id or str(uuid.uuid4()),
        "venue": venue.code,
        "payload": payload,
        "scanned_at": (timezone.now() - timedelta(minutes=minutes_ago)).isoformat(),
    }


def test_resent_scan_with_a_changed_time_is_refused_and_the_stored_one_kept(owner_api, venue, checkins):
    """The same client id with other content is another scan under a reused id (core.idempotency)."""
    payload, client_id = cccd_payload(), str(uuid.uuid4())
    first = upload(owner_api, [batch_item(venue, payload, minutes_ago=90, client_id=client_id)])
    again = upload(owner_api, [batch_item(venue, payload, minutes_ago=20, client_id=client_id)])
    assert again["items"][0]["status"] == "rejected" and again["items"][0]["code"] == "client_id_reused"
    assert checkins.count() == 1
    assert checkins.get().pk == first["items"][0]["checkin_id"]


def test_batch_scan_near_a_live_scan_is_the_same_visit_and_later_ones_are_new(owner_api, venue, checkins):
    payload = cccd_payload()
    live_at = timezone.now() - timedelta(minutes=30)
    r = owner_api.post(
        URL,
        {"venue": venue.code, "payload": payload, "scanned_at": live_at.isoformat()},
        content_type="application/json",
    )
    assert r.json()["status"] == "ok"
    answer = upload(
        owner_api,
        [batch_item(venue, payload, minutes_ago=28), batch_item(venue, payload, minutes_ago=10)],
    )
    assert [i["status"] for i in answer["items"]] == ["duplicate", "stored"]
    assert answer["items"][0]["code"] == "same_visit"
    assert checkins.count() == 2


def test_bad_batch_bodies_are_4xx(owner_api, checkins):
    for label, body, code in [
        ("not json", "items: []", "bad_json"),
        ("no items", json.dumps({"scans": []}), "bad_items"),
        ("items not a list", json.dumps({"items": {"a": 1}}), "bad_items"),
        ("a bare list", json.dumps([{"client_id": "x"}]), "bad_json"),
    ]:
        r = owner_api.post(BATCH, body, content_type="application/json")
        assert r.status_code == (400 if label == "not json" else 422), (label, r.status_code, r.content)
        assert r.json()["code"] == code, label
    assert checkins.count() == 0


def test_batch_of_raw_payloads_finds_known_cards_in_bulk_and_registers_new_ones(
    owner_api, venue, checkins, django_assert_max_num_queries
):
    from epiqr.people.models import Person

    known = [cccd_payload() for _ in range(20)]
    first = upload(owner_api, [batch_item(venue, p, minutes_ago=200) for p in known])
    first_people = list(
        checkins.filter(pk__in=[i["checkin_id"] for i in first["items"]])
        .order_by("pk")
        .values_list("person_id", flat=True)
    )
    with django_assert_max_num_queries(8):  # one by one it would be two or more queries per card
        again = upload(owner_api, [batch_item(venue, p, minutes_ago=100) for p in known])
    assert again["stored"] == 20
    assert (
        list(
            checkins.filter(pk__in=[i["checkin_id"] for i in again["items"]])
            .order_by("pk")
            .values_list("person_id", flat=True)
        )
        == first_people
    )

    people_before = Person.objects.count()
    answer = upload(
        owner_api,
        [
            batch_item(venue, known[0], minutes_ago=50),
            batch_item(venue, cccd_payload(name="Vũ Đức Long"), minutes_ago=50),
            batch_item(venue, "001|truncated", minutes_ago=50),
            {**batch_item(venue, "x", minutes_ago=50), "payload": 12},
        ],
    )
    assert [i["status"] for i in answer["items"]] == ["stored", "stored", "rejected", "rejected"]
    assert answer["items"][3]["code"] == "bad_payload"
    assert Person.objects.count() == people_before + 1  # only the new card is registered
