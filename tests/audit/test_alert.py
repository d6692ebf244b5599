"""The alert: an account that reads more different people in an hour than EPIQR_AUDIT_PEOPLE_PER_HOUR
tells the administrators once (outbox) and shows in the log viewer; the clock is faked."""

import pytest
from django.test import Client, override_settings

from epiqr.core.models import AuditEvent
from epiqr.core.permissions import Role

pytestmark = pytest.mark.django_db

ALERT = "audit.people_limit"


def _reader(make_user, commune):
    client = Client()
    user = make_user(Role.COMMUNE_OFFICER, commune=commune)
    client.force_login(user)
    return user, client


def _read(client, person):
    assert client.get(f"/people/{person.public_id}/").status_code == 200


@override_settings(EPIQR_AUDIT_PEOPLE_PER_HOUR=5)
def test_crossing_the_limit_alerts_once_and_each_account_is_counted_apart(
    make_user, commune, people, clock, sent_messages, django_capture_on_commit_callbacks
):
    admin = make_user(Role.ADMIN, email="quan-tri@example.vn")
    officer, reader = _reader(make_user, commune)
    other, other_reader = _reader(make_user, commune)
    with django_capture_on_commit_callbacks(execute=True):
        for person in people[:5]:  # five different people: at the limit, not over it
            _read(reader, person)
            clock.advance(minutes=5)
        for person in people[:5]:  # the same five again: still five different people
            _read(reader, person)
        assert not AuditEvent.objects.filter(action=ALERT).exists() and not sent_messages
        for person in people[:4]:  # another account reading the same people is counted apart
            _read(other_reader, person)
        _read(reader, people[5])  # the sixth different person within the hour
    alert = AuditEvent.objects.get(action=ALERT)
    assert alert.actor == officer and alert.people_count == 6 and alert.detail["limit"] == 5
    told = [m for m in sent_messages if m.recipient == admin.email]
    assert len(told) == 1 and officer.username in told[0].body and "6" in told[0].body

    with django_capture_on_commit_callbacks(execute=True):
        for person in people[6:9]:  # still over the limit, within the hour: not told twice
            clock.advance(minutes=5)
            _read(reader, person)
        _read(other_reader, people[4])  # the other account reaches five: not over
    assert AuditEvent.objects.filter(action=ALERT).count() == 1
    assert len([m for m in sent_messages if m.recipient == admin.email]) == 1

    with django_capture_on_commit_callbacks(execute=True):
        _read(other_reader, people[9])  # the other account's sixth: its own alert
    assert AuditEvent.objects.filter(action=ALERT, actor=other).count() == 1
    assert len([m for m in sent_messages if m.recipient == admin.email]) == 2


@override_settings(EPIQR_AUDIT_PEOPLE_PER_HOUR=5)
def test_reads_spread_over_more_than_an_hour_do_not_add_up_and_a_new_hour_may_alert_again(
    make_user, commune, people, clock, sent_messages, django_capture_on_commit_callbacks
):
    make_user(Role.ADMIN, email="quan-tri@example.vn")
    officer, reader = _reader(make_user, commune)
    with django_capture_on_commit_callbacks(execute=True):
        for person in people[:10]:  # ten people, but never more than five within any hour
            _read(reader, person)
            clock.advance(minutes=13)
    assert not AuditEvent.objects.filter(action=ALERT).exists()

    with django_capture_on_commit_callbacks(execute=True):
        for person in people[:6]:
            _read(reader, person)
        clock.advance(minutes=61)  # the first alert is over an hour old
        for person in people[6:12]:
            _read(reader, person)
    assert AuditEvent.objects.filter(action=ALERT, actor=officer).count() == 2
    assert len(sent_messages) == 2


@override_settings(EPIQR_AUDIT_PEOPLE_PER_HOUR=5)
def test_one_list_page_of_many_people_alerts_at_once(
    make_user, commune, people, clock, sent_messages, django_capture_on_commit_callbacks
):
    make_user(Role.ADMIN, phone="0900000001")
    officer, reader = _reader(make_user, commune)
    with django_capture_on_commit_callbacks(execute=True):
        assert reader.get("/people/", {"page_size": 25}).status_code == 200
    alert = AuditEvent.objects.get(action=ALERT)
    assert alert.actor == officer and alert.people_count >= 12
    assert [m.recipient for m in sent_messages] == ["0900000001"]


def test_the_limit_is_500_unless_configured(settings):
    from epiqr.audit.services import people_per_hour_limit

    assert people_per_hour_limit() == 500
    settings.EPIQR_AUDIT_PEOPLE_PER_HOUR = 40
    assert people_per_hour_limit() == 40


def test_events_older_than_the_retention_are_purged_with_their_people(
    make_user, commune, people, clock, settings
):
    from epiqr.core.models import AuditPerson
    from epiqr.core.services import audit_purge

    settings.EPIQR_AUDIT_KEEP_DAYS = 30
    officer, reader = _reader(make_user, commune)
    _read(reader, people[0])
    clock.advance(days=31)
    _read(reader, people[1])
    assert AuditEvent.objects.filter(action="people.view").count() == 2
    assert audit_purge() == 1  # the old event (its person row went first)
    kept = AuditEvent.objects.get(action="people.view")
    assert list(AuditPerson.objects.values_list("person_id", flat=True)) == [people[1].pk]
    assert kept.people.get().person_id == people[1].pk
