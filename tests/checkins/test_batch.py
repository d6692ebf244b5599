"""Offline batches: each scan stored exactly once, per-item answers, one bad item never spoils the rest."""

import threading
import uuid
from datetime import timedelta

import pytest
from django.db import connection
from django.utils import timezone

from .conftest import cccd_payload

URL = "/api/v1/checkins/batch"


def item(venue, *, minutes_ago: int = 30, payload: str | None = None, client_id: str | None = None, **extra):
    return {
        "client_id": client_id or str(uuid.uuid4()),
        "venue": venue.code,
        "payload": payload or cccd_payload(),
        "scanned_at": (timezone.now() - timedelta(minutes=minutes_ago)).isoformat(),
        **extra,
    }


def send(client, items):
    r = client.post(URL, {"items": items}, content_type="application/json")
    assert r.status_code == 200, r.content
    return r.json()


def test_same_batch_twice_is_stored_once(owner_api, venue, checkins):
    items = [item(venue, minutes_ago=m) for m in (50, 40, 30)]
    first = send(owner_api, items)
    assert (first["stored"], first["duplicates"], first["rejected"]) == (3, 0, 0)
    again = send(owner_api, items)
    assert (again["stored"], again["duplicates"], again["rejected"]) == (0, 3, 0)
    assert [i["checkin_id"] for i in again["items"]] == [i["checkin_id"] for i in first["items"]]
    assert checkins.count() == 3


def test_overlapping_batches_store_each_scan_once(owner_api, venue, checkins):
    items = [item(venue, minutes_ago=m) for m in (90, 80, 70, 60)]
    send(owner_api, items[:3])
    second = send(owner_api, items[1:])
    assert [i["status"] for i in second["items"]] == ["duplicate", "duplicate", "stored"]
    assert checkins.count() == 4


def test_same_person_twice_within_minutes_is_one_visit(owner_api, venue, checkins):
    payload = cccd_payload()
    body = send(
        owner_api,
        [item(venue, minutes_ago=30, payload=payload), item(venue, minutes_ago=28, payload=payload)],
    )
    assert [i["status"] for i in body["items"]] == ["stored", "duplicate"]
    assert body["items"][1]["code"] == "same_visit"
    assert checkins.count() == 1


def test_bad_items_are_rejected_with_reasons_and_others_stored(owner_api, venue, other_venue, checkins):
    now = timezone.now()
    good = [item(venue), item(venue, minutes_ago=5)]
    bad = [
        "not an object",
        {**item(venue), "client_id": "not-a-uuid"},
        {**item(venue), "scanned_at": (now + timedelta(hours=1)).isoformat()},
        {**item(venue), "scanned_at": (now - timedelta(days=40)).isoformat()},
        {**item(venue), "scanned_at": "2021-02-31T10:00:00"},
        {**item(venue), "venue": "ZZZZZZ"},
        {**item(other_venue)},
        {**item(venue), "payload": cccd_payload()[:25]},
        {**item(venue), "payload": "a|b|c"},
        {**item(venue), "payload": "", "person": str(uuid.uuid4())},
    ]
    body = send(owner_api, [good[0], *bad, good[1]])
    statuses = [i["status"] for i in body["items"]]
    assert statuses[0] == "stored" and statuses[-1] == "stored"
    assert statuses[1:-1] == ["rejected"] * len(bad)
    codes = [i["code"] for i in body["items"][1:-1]]
    assert codes[:4] == ["bad_item", "bad_client_id", "future", "too_old"]
    assert codes[4] == "bad_time" and codes[6] == "venue_not_allowed"
    assert all(i["reason"] for i in body["items"][1:-1])
    assert checkins.count() == 2


def test_person_by_public_id(owner_api, venue, checkins):
    from tests.factories import PersonFactory

    person = PersonFactory()
    body = send(owner_api, [item(venue, payload="", person=str(person.public_id), has_symptoms=True)])
    assert body["stored"] == 1
    row = checkins.get()
    assert row.person_id == person.pk and row.has_symptoms is True and row.method == "batch"


def test_person_by_public_id_in_any_spelling_of_a_uuid(owner_api, venue, checkins):
    """Devices send canonical ids (compared as text); upper case, braces or no dashes name the same person;
    an unknown id and a non-id are refused with their own reasons."""
    from tests.factories import PersonFactory

    person = PersonFactory()
    text = str(person.public_id)
    spellings = [text, text.upper(), "{" + text + "}", text.replace("-", "")]
    items = [item(venue, minutes_ago=100 - 20 * i, payload="", person=p) for i, p in enumerate(spellings)]
    items += [item(venue, payload="", person=str(uuid.uuid4())), item(venue, payload="", person="ng-uyen")]
    body = send(owner_api, items)
    assert [i["status"] for i in body["items"]] == ["stored"] * 4 + ["rejected"] * 2
    assert [i.get("code") for i in body["items"][4:]] == ["person_unknown", "bad_person"]
    assert set(checkins.values_list("person_id", flat=True)) == {person.pk}


def test_oversized_batches_are_refused(owner_api, venue, checkins):
    r = owner_api.post(URL, {"items": [item(venue)] * 1001}, content_type="application/json")
    assert r.status_code in (413, 422) and r.json()["detail"]
    r = owner_api.post(URL, '{"items": ["' + "x" * (1024 * 1024) + '"]}', content_type="application/json")
    assert r.status_code == 413
    r = owner_api.post(URL, '{"items": 5}', content_type="application/json")
    assert r.status_code == 422
    assert checkins.count() == 0


@pytest.mark.postgres_only
@pytest.mark.django_db(transaction=True)
def test_concurrent_duplicate_uploads_store_once(require_postgres, api_client, venue, owner, checkins):
    """Four devices (threads with their own connections) upload the same batch at the same instant."""
    from tests.factories import PersonFactory

    people = [PersonFactory() for _ in range(20)]
    items = [
        {**item(venue, minutes_ago=60 - i), "payload": "", "person": str(p.public_id)}
        for i, p in enumerate(people)
    ]
    clients = [api_client(owner) for _ in range(4)]
    barrier = threading.Barrier(len(clients))
    answers: list = []

    def upload(c):
        try:
            barrier.wait()
            answers.append(c.post(URL, {"items": items}, content_type="application/json").json())
        finally:
            connection.close()

    threads = [threading.Thread(target=upload, args=(c,)) for c in clients]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert len(answers) == 4
    assert sum(a["stored"] for a in answers) == 20
    assert sum(a["duplicates"] for a in answers) == 60
    assert checkins.count() == 20


@pytest.mark.postgres_only
@pytest.mark.django_db(transaction=True)
def test_concurrent_scans_of_one_person_are_one_visit(require_postgres, api_client, venue, owner, checkins):
    payload = cccd_payload()
    clients = [api_client(owner) for _ in range(4)]
    from django.test import Client  # noqa: F401 - clients above are Django test clients

    # register the person first so that every thread finds the same one
    clients[0].post(
        "/api/v1/checkins/scan", {"venue": venue.code, "payload": payload}, content_type="application/json"
    )
    checkins.all().delete()
    barrier = threading.Barrier(len(clients))
    results: list = []

    def scan(c):
        try:
            barrier.wait()
            r = c.post(
                "/api/v1/checkins/scan",
                {"venue": venue.code, "payload": payload},
                content_type="application/json",
            )
            results.append(r.json())
        finally:
            connection.close()

    threads = [threading.Thread(target=scan, args=(c,)) for c in clients]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert sorted(r["status"] for r in results) == ["duplicate", "duplicate", "duplicate", "ok"]
    assert checkins.count() == 1
