"""On PostgreSQL a known card is checked in with one statement; it keeps the two-step path's rules."""

from datetime import timedelta

import pytest
from django.db import connection
from django.utils import timezone

from epiqr.checkins.rules import visit_key
from epiqr.checkins.store import scan_insert, visit_key_sql
from epiqr.core.timeutil import local
from epiqr.people.models import Person

from .conftest import cccd_payload

URL = "/api/v1/checkins/scan"


def scan(client, venue, payload, **extra):
    body = {"venue": venue.code, "payload": payload, **extra}
    return client.post(URL, body, content_type="application/json")


def test_known_card_scan_is_one_statement_on_postgres(owner_api, venue, django_assert_max_num_queries):
    from tests.factories import VenueFactory

    payload = cccd_payload()
    first = scan(owner_api, venue, payload).json()  # registers the person; token and venue now cached
    second = VenueFactory(commune=venue.commune, owner=venue.owner)
    scan(owner_api, second, cccd_payload())  # warms the second venue's facts
    with django_assert_max_num_queries(1 if connection.vendor == "postgresql" else 2):
        r = scan(owner_api, second, payload)
    body = r.json()
    assert r.status_code == 200 and body["status"] == "ok" and body["person_created"] is False
    assert body["person"] == first["person"]


def test_visit_key_made_by_the_database_is_the_one_python_makes(require_postgres):
    at = timezone.now()
    for venue_id, person_id in [(1, 1), (17, 123456), (99999, 7)]:
        sql, params = visit_key_sql(venue_id=venue_id, person_column="%s", at=at)
        # the person column is a parameter here: put it between the expression's own two parameters
        with connection.cursor() as cur:
            cur.execute(f"SELECT {sql}", [params[0], person_id, params[1]])
            made = cur.fetchone()[0]
        assert made == visit_key(venue_id=venue_id, person_id=person_id, at=at)


def test_a_scan_with_the_key_of_a_stored_visit_is_that_visit(owner_api, venue, checkins):
    """Two stations scanning one person in the same slot: the key collides, one row, a duplicate answer."""
    payload = cccd_payload()
    at = timezone.now().replace(microsecond=0) - timedelta(minutes=1)
    first = scan(owner_api, venue, payload, scanned_at=at.isoformat()).json()
    # the stored visit moved out of the window (as a racing station's row would not yet be visible), within
    # its local day: a slot lies in one day, and the day's partition holds the key (checkins.partitions)
    moved = at - timedelta(minutes=6)
    if local(moved).date() != local(at).date():
        moved = at + timedelta(minutes=6)
    checkins.filter(pk=first["checkin_id"]).update(checked_in_at=moved)
    again = scan(owner_api, venue, payload, scanned_at=at.isoformat()).json()
    assert again["status"] == "duplicate" and again["checkin_id"] == first["checkin_id"]
    assert checkins.count() == 1


@pytest.mark.django_db(transaction=True)
def test_a_scan_racing_an_uncommitted_one_waits_and_stores_nothing(require_postgres, venue):
    """The race the window probe cannot see: another station's visit in the same slot, not yet committed.
    The day partition's unique index on the visit key makes this scan wait for it, then store nothing."""
    import threading
    import time

    from django.db import transaction

    from epiqr.checkins.models import CheckIn
    from epiqr.people.parsers import parse_payload
    from epiqr.people.services import person_from_scan

    payload = cccd_payload()
    doc = parse_payload(payload)
    person = person_from_scan(payload=payload).person  # registered: the card is known
    at = timezone.now()
    held, done = threading.Event(), threading.Event()
    rows = {}

    def first():
        try:
            with transaction.atomic():
                rows["first"] = scan_insert(
                    venue_id=venue.pk, doc=doc, method="staff", at=at, has_symptoms=None
                )
                held.set()
                done.wait(5)
                time.sleep(0.3)  # the second scan is waiting on the key meanwhile
        finally:
            connection.close()

    def second():
        try:
            held.wait(5)
            done.set()
            started = time.monotonic()
            rows["second"] = scan_insert(
                venue_id=venue.pk, doc=doc, method="staff", at=at + timedelta(seconds=1), has_symptoms=None
            )
            rows["waited"] = time.monotonic() - started
        finally:
            connection.close()

    threads = [threading.Thread(target=first), threading.Thread(target=second)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert rows["first"][-2] is not None  # stored
    assert rows["second"][0] == person.pk and rows["second"][-2:] == (None, None)  # found, not stored
    assert rows["waited"] >= 0.2
    assert CheckIn.objects.filter(person=person).count() == 1


def test_duplicate_scan_with_symptoms_marks_the_stored_visit(owner_api, venue, checkins):
    payload = cccd_payload()
    first = scan(owner_api, venue, payload).json()
    again = scan(owner_api, venue, payload, has_symptoms=True).json()
    assert again["duplicate"] is True and again["checkin_id"] == first["checkin_id"]
    assert checkins.get(pk=first["checkin_id"]).has_symptoms is True


@pytest.mark.parametrize("blank", ["address", "sex", "birth_date", "phone_kept"])
def test_card_filling_a_blank_takes_the_full_path(owner_api, venue, blank):
    payload = cccd_payload(name="Hoàng Thu Hà", year=1979, sex="F")
    public_id = scan(owner_api, venue, payload).json()["person"]["public_id"]
    person = Person.objects.filter(public_id=public_id)
    if blank == "phone_kept":  # the card carries no phone: a blank phone is not filled and changes nothing
        person.update(phone="")
    else:
        person.update(**{blank: None if blank == "birth_date" else ""})
    r = scan(owner_api, venue, payload)
    assert r.status_code == 200 and r.json()["person"]["public_id"] == public_id
    got = person.get()
    assert got.address == "12 Phố Huế, Hà Nội" and got.sex == "F" and got.birth_date.year == 1979
    assert got.phone == ""


def test_personal_qr_current_and_replaced(owner_api, venue, owner, checkins):
    from epiqr.people.services import person_personal_qr, person_qr_rotate

    public_id = scan(owner_api, venue, cccd_payload()).json()["person"]["public_id"]
    person = Person.objects.get(public_id=public_id)
    old = person_personal_qr(person=person)
    person_qr_rotate(person=person, actor=owner)
    checkins.all().delete()
    r = scan(owner_api, venue, old)
    assert 400 <= r.status_code < 500 and r.json()["detail"]
    assert checkins.count() == 0
    r = scan(owner_api, venue, person_personal_qr(person=person))
    assert r.status_code == 200 and r.json()["status"] == "ok"
    assert r.json()["person"]["public_id"] == public_id


@pytest.mark.parametrize("minutes", [(-2, 2), (2, -2), (-4, 0)])
def test_the_window_reaches_across_local_midnight(owner_api, venue, checkins, minutes):
    """The statement names the window's local days as constant bounds (so a prepared plan locks only
    their partitions): a visit just before midnight still makes one just after it a duplicate."""
    from epiqr.core.timeutil import local_today, start_of_local_day

    midnight = start_of_local_day(local_today() - timedelta(days=1))
    payload = cccd_payload()
    scan(owner_api, venue, payload)  # registers the person: the scans below are known cards
    checkins.all().delete()
    first, second = (midnight + timedelta(minutes=m) for m in minutes)
    a = scan(owner_api, venue, payload, scanned_at=first.isoformat()).json()
    b = scan(owner_api, venue, payload, scanned_at=second.isoformat()).json()
    assert a["status"] == "ok" and b["status"] == "duplicate" and b["checkin_id"] == a["checkin_id"]
    assert checkins.count() == 1
    far = scan(owner_api, venue, payload, scanned_at=(midnight + timedelta(minutes=20)).isoformat()).json()
    assert far["status"] == "ok" and checkins.count() == 2


def test_the_window_is_whole_minutes():
    """store._days_around names the window's days once per minute: right only while the window is whole
    minutes (a local midnight then never falls inside a minute's shifted window)."""
    from epiqr.checkins.rules import DUPLICATE_WINDOW

    assert DUPLICATE_WINDOW > timedelta(0) and DUPLICATE_WINDOW % timedelta(minutes=1) == timedelta(0)
