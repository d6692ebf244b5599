"""The station's dose in one statement (vaccination.store) keeps the Python rule (services.dose_record, the
oracle): on random histories it refuses what the Python path refuses, with the same reason, and stores
the same row; the station API takes it for a known card and still answers every refusal as before. Runs
on SQLite and on PostgreSQL (the PostgreSQL half of `make test`)."""

import random
from datetime import date, timedelta

import pytest
from django.db import connection

from epiqr.core.errors import Conflict
from epiqr.core.timeutil import local_today, now, start_of_local_day
from epiqr.vaccination import schedules, services, store
from epiqr.vaccination.models import Dose, DoseSource, Screening
from tests.factories import PersonFactory
from tests.people.payloads import cccd, cccd_number

pytestmark = pytest.mark.django_db

# The columns both paths must store alike (the id, the person, the insert's own time and a client id
# differ by construction).
COMPARED = [
    f.attname
    for f in Dose._meta.concrete_fields
    if f.attname not in ("id", "person_id", "recorded_at", "client_id")
]
MINIMUMS = sorted(
    {gap.minimum_days for policy in schedules.POLICIES for gaps in policy.primary.values() for gap in gaps}
    | {28, 90, 120}
)


def _random_history(rng: random.Random) -> dict:
    """A made-up dose history ending at a local-midnight boundary of a schedule's minimum interval (or
    anywhere), with a screening state; products include one this table does not know."""
    at = now()
    today = local_today()
    count = rng.choice([0, 1, 1, 2, 2, 3, 4, 5])
    days = rng.choice([*(m + d for m in MINIMUMS for d in (-1, 0, 1)), rng.randrange(0, 400)])
    nudge = rng.choice(
        [
            timedelta(0),
            timedelta(microseconds=1),
            -timedelta(microseconds=1),
            -timedelta(seconds=1),
            timedelta(hours=12),
        ]
    )
    last = min(start_of_local_day(today - timedelta(days=days)) + nudge, at - timedelta(seconds=1))
    codes = [*schedules.PRODUCTS, "NOTAPRODUCT"]
    doses, moment = [], last
    for _ in range(count):
        doses.append((rng.choice(codes), moment))
        # earlier doses: sometimes the same moment (the first product is then the earlier id's)
        moment = moment - rng.choice([timedelta(0), timedelta(days=rng.randrange(1, 200))])
    doses.reverse()
    notes = rng.choice([(), (True,), (False,), (True, False), (False, True), (True, True)])
    return {"doses": doses, "notes": notes, "product": rng.choice(list(schedules.PRODUCTS)), "at": at}


def _person_with(history: dict):
    person = PersonFactory()
    for number, (product, at) in enumerate(history["doses"], start=1):
        Dose.objects.create(
            person=person,
            number=number,
            series_doses=2,
            product=product,
            given_at=at,
            source=DoseSource.IMPORT,
            schedule="imported",
        )
    noted = now() - timedelta(hours=1)
    for contraindicated in history["notes"]:  # the same moment: the later note (by id) is the latest
        Screening.objects.create(
            person=person, contraindicated=contraindicated, note="khám sàng lọc", at=noted
        )
    return person


def _python_path(person, history):
    try:
        dose = services.dose_record(
            person=person,
            product=history["product"],
            given_at=history["at"],
            source=DoseSource.STATION,
            observe=True,
        ).dose
    except Conflict as refused:
        return refused.code, None
    return "ok", dose


def _planned(history) -> store.StationDose:
    at = history["at"]
    return store.StationDose(
        product=history["product"],
        at=at,
        observe_until=at + timedelta(minutes=services.OBSERVATION_MINUTES),
        session_id=None,
        site_id=None,
        lot_id=None,
        lot_number="",
        given_by_id=None,
        client_id=None,
    )


def test_the_statement_refuses_and_stores_as_the_python_rule_on_random_histories():
    rng = random.Random(20261203)
    seen = set()
    for case in range(160):
        history = _random_history(rng)
        oracle_person, statement_person = _person_with(history), _person_with(history)
        expected, oracle_dose = _python_path(oracle_person, history)
        verdict, number, series, schedule, dose_id = store.dose_checked_insert(
            person_id=statement_person.pk, dose=_planned(history)
        )
        seen.add(verdict)
        assert verdict == expected, (case, history)
        assert number == len(history["doses"]) + 1
        stored = list(Dose.objects.filter(person=statement_person, number=number))
        if expected != "ok":
            assert dose_id is None and stored == [], (case, history)
            continue
        assert [d.pk for d in stored] == [dose_id]
        mine = {name: getattr(stored[0], name) for name in COMPARED}
        theirs = {name: getattr(oracle_dose, name) for name in COMPARED}
        theirs["early_override"] = ""
        assert mine == theirs, (case, history)
        assert (number, series, schedule) == (
            oracle_dose.number,
            oracle_dose.series_doses,
            oracle_dose.schedule,
        )
    assert seen == {"ok", "too_early", "contraindicated"}  # the walk reached every verdict


def test_the_rule_at_the_minimum_interval_is_exact_to_the_local_day():
    """Pfizer's second dose: 21 days after the first by the local calendar, whatever the hour; at 23:59
    the day before it is still too early (in UTC that moment is already the next day's date)."""
    today = local_today()
    for last, verdict in [
        (start_of_local_day(today - timedelta(days=21)), "ok"),
        (start_of_local_day(today - timedelta(days=20)) - timedelta(microseconds=1), "ok"),
        (start_of_local_day(today - timedelta(days=20)), "too_early"),
        (start_of_local_day(today - timedelta(days=20)) + timedelta(hours=23, minutes=59), "too_early"),
    ]:
        history = {"doses": [("PFIZER", last)], "notes": (), "product": "PFIZER", "at": now()}
        assert _python_path(_person_with(history), history)[0] == verdict
        assert (
            store.dose_checked_insert(person_id=_person_with(history).pk, dose=_planned(history))[0]
            == verdict
        )


@pytest.mark.django_db(transaction=True)
def test_two_stations_scanning_one_card_at_once_store_one_dose():
    """PostgreSQL: station A's statement stored dose 1 and has not committed; station B's statement, which
    counted no dose, waits on the unique (person, number), then stores nothing; read again, B's verdict
    is too early (Pfizer's dose 2 needs 21 days)."""
    import threading

    from django.db import connections, transaction

    if connection.vendor != "postgresql":
        pytest.skip("needs PostgreSQL (run through tools/with_postgres.py)")
    history = {"doses": [], "notes": (), "product": "PFIZER", "at": now()}
    person = _person_with(history)
    answers = []

    def station_b():
        try:
            answers.append(store.dose_checked_insert(person_id=person.pk, dose=_planned(history)))
        finally:
            connections.close_all()

    with transaction.atomic():
        first = store.dose_checked_insert(person_id=person.pk, dose=_planned(history))
        other = threading.Thread(target=station_b)
        other.start()
        other.join(timeout=1.0)
        assert other.is_alive()  # waiting for A's dose 1
    other.join(timeout=30)
    assert first[0] == "ok" and first[4] is not None
    assert len(answers) == 1 and answers[0][0] == "too_early" and answers[0][4] is None
    assert list(Dose.objects.filter(person=person).values_list("number", flat=True)) == [1]


def test_the_python_path_answers_a_concurrent_dose_of_that_number_as_a_conflict(vaccinator, monkeypatch):
    person = PersonFactory()
    services.dose_record(
        person=person, product="PFIZER", given_at=now() - timedelta(days=30), source=DoseSource.IMPORT
    )
    # the history as it was read before another station's dose 1 committed
    monkeypatch.setattr(services, "prior_doses", lambda *, person_id: [])
    with pytest.raises(Conflict) as refused:
        services.dose_record(person=person, product="PFIZER", given_at=now(), source=DoseSource.STATION)
    assert refused.value.code == "concurrent_dose"
    assert Dose.objects.filter(person=person).count() == 1


# --- through the station API ----------------------------------------------------------------------


def _card(serial: int, name: str = "Đỗ Thị Lan") -> str:
    return cccd(
        number=cccd_number(born=1979, sex="F", serial=serial),
        old=f"0{serial:08d}",
        name=name,
        born=date(1979, 5, 6),
        sex="F",
    )


def post(api, session, payload, **extra):
    return api.post(
        f"/api/v1/vaccination/sessions/{session.pk}/doses",
        {"payload": payload, **extra},
        content_type="application/json",
    )


def test_a_known_card_is_one_statement_after_the_session(
    api_client, vaccinator, session, django_assert_max_num_queries
):
    api = api_client(vaccinator)
    first = post(api, session, _card(515001))  # registers the person; the token is cached now
    assert first.status_code == 201 and first.json()["number"] == 1
    known = _card(515002)
    from epiqr.people.services import person_from_scan

    person = person_from_scan(payload=known, actor=vaccinator, create=True).person
    # the session is cached by the first scan; the person, the check and the insert are one statement on
    # PostgreSQL, two on SQLite
    with django_assert_max_num_queries(1 if connection.vendor == "postgresql" else 2):
        r = post(api, session, known)
    body = r.json()
    assert r.status_code == 201, body
    assert (body["number"], body["series_doses"], body["product"], body["lot_number"]) == (
        1,
        2,
        "PFIZER",
        "FK0108",
    )
    assert body["full_name"] == "Đỗ Thị Lan" and body["person_public_id"] == str(person.public_id)
    dose = Dose.objects.get(pk=body["id"])
    assert (dose.person_id, dose.session_id, dose.site_id, dose.given_by_id) == (
        person.pk,
        session.pk,
        session.site_id,
        vaccinator.pk,
    )
    assert dose.observe_until - dose.given_at == timedelta(minutes=30)
    assert dose.schedule == "vn-2022-05-second-booster" and dose.source == "station"


def test_the_api_refuses_with_the_python_paths_reasons_and_keeps_the_override_audited(
    api_client, vaccinator, session, give_dose
):
    from epiqr.core.models import AuditEvent
    from epiqr.people.services import person_from_scan

    api = api_client(vaccinator)
    card = _card(515003)
    person = person_from_scan(payload=card, actor=vaccinator, create=True).person
    give_dose(person, "PFIZER", days_ago=10)
    early = post(api, session, card)
    assert early.status_code == 409 and early.json()["code"] == "too_early"
    assert str((local_today() + timedelta(days=11)).strftime("%d/%m/%Y")) in early.json()["detail"]
    given = post(api, session, card, override="Đi công tác nước ngoài")
    assert given.status_code == 201 and given.json()["number"] == 2
    assert Dose.objects.get(pk=given.json()["id"]).early_override == "Đi công tác nước ngoài"
    assert AuditEvent.objects.filter(action="vaccination.dose_override").count() == 1

    noted = _card(515004)
    other = person_from_scan(payload=noted, actor=vaccinator, create=True).person
    services.screening_note(person=other, note="Dị ứng nặng với PEG", contraindicated=True, actor=vaccinator)
    refused = post(api, session, noted)
    assert refused.status_code == 409 and refused.json()["code"] == "contraindicated"
    assert not Dose.objects.filter(person=other).exists()


def test_a_retried_client_id_is_stored_once_and_answers_its_dose(api_client, vaccinator, session, make_user):
    import uuid

    from epiqr.people.services import person_from_scan

    api = api_client(vaccinator)
    card = _card(515005)
    person_from_scan(payload=card, actor=vaccinator, create=True)
    client_id = str(uuid.uuid4())
    first = post(api, session, card, client_id=client_id)
    again = post(api, session, card, client_id=client_id)
    assert first.status_code == 201 and again.status_code == 200
    assert again.json()["stored"] is False and again.json()["id"] == first.json()["id"]
    # the same id from another card answers the dose it named, not the other person
    other = _card(515006, name="Phan Văn Khoa")
    person_from_scan(payload=other, actor=vaccinator, create=True)
    third = post(api, session, other, client_id=client_id)
    assert third.status_code == 200 and third.json()["full_name"] == "Đỗ Thị Lan"
    assert Dose.objects.filter(session=session).count() == 1


def test_events_are_emitted_for_the_one_statement_dose(api_client, vaccinator, session, monkeypatch):
    from epiqr.core import events

    seen = []
    monkeypatch.setattr(events, "emit", lambda event, **payload: seen.append((event.name, payload)))
    api = api_client(vaccinator)
    r = post(api, session, _card(515007))
    assert r.status_code == 201
    from epiqr.people.services import person_from_scan

    known = _card(515008)
    person = person_from_scan(payload=known, actor=vaccinator, create=True).person
    r = post(api, session, known)
    assert r.status_code == 201
    assert seen[-1] == (
        "dose_recorded",
        {
            "dose_id": r.json()["id"],
            "person_id": person.pk,
            "number": 1,
            "product": "PFIZER",
            "source": "station",
            "actor_id": vaccinator.pk,
        },
    )


def test_an_expired_session_lot_is_refused_before_anything_is_stored(api_client, vaccinator, session):
    session.lot.expires_on = local_today() - timedelta(days=1)
    session.lot.save()
    from epiqr.people.services import person_from_scan

    card = _card(515009)
    person = person_from_scan(payload=card, actor=vaccinator, create=True).person
    r = post(api_client(vaccinator), session, card)
    assert r.status_code == 422 and r.json()["code"] == "lot_expired"
    assert not Dose.objects.filter(person=person).exists()


def test_the_cached_session_follows_a_change_and_the_scope_is_checked_every_scan(
    api_client, vaccinator, session, make_user, commune, other_commune, monkeypatch
):
    """The station caches the session per process (selectors.session_for_station): a session, site or lot
    saved here is seen at the next scan; one changed by another process (an UPDATE: no signal here)
    within STATION_SESSION_SECONDS; and the scanner's area is checked on every scan, cached or not."""
    from epiqr.core.permissions import Role
    from epiqr.vaccination import selectors
    from epiqr.vaccination.models import Session

    api = api_client(vaccinator)
    assert post(api, session, _card(516001)).json()["lot_number"] == "FK0108"  # cached now
    lot2 = services.lot_get_or_create(
        product="PFIZER", number="FK0999", expires_on=local_today() + timedelta(days=9)
    )
    session.lot = lot2
    session.save()  # as the admin saves it: forgotten at once
    assert post(api, session, _card(516002)).json()["lot_number"] == "FK0999"
    # Another process moves the lot back: this process sees it once the cached entry is STATION_SESSION_SECONDS old.
    Session.objects.filter(pk=session.pk).update(lot=None)
    clock = [1000.0]
    monkeypatch.setattr(selectors, "_clock", lambda: clock[0])
    selectors.station_sessions_forget()
    assert post(api, session, _card(516003)).json()["lot_number"] == ""
    Session.objects.filter(pk=session.pk).update(lot_id=lot2.pk)
    assert post(api, session, _card(516004)).json()["lot_number"] == ""  # still the cached session
    clock[0] += selectors.STATION_SESSION_SECONDS + 1
    assert post(api, session, _card(516005)).json()["lot_number"] == "FK0999"
    # Cached or not, a vaccinator of another commune does not find the session.
    outsider = make_user(Role.VACCINATOR, commune=other_commune)
    r = post(api_client(outsider), session, _card(516006))
    assert r.status_code == 404 and r.json()["code"] == "session_not_found"
