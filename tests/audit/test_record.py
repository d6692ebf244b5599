"""core.services.audit_people_record, the one writer of audited reads (one statement on PostgreSQL, two on
SQLite): what it writes reads back through the ORM exactly, and the people kept per event are bounded
while their count stays exact."""

from datetime import UTC, datetime

import pytest

from epiqr.core import audit
from epiqr.core.models import AuditEvent, AuditPerson
from epiqr.core.permissions import Role
from epiqr.core.services import audit_people_record

pytestmark = pytest.mark.django_db


def test_an_event_and_its_people_read_back_as_written(make_user):
    officer = make_user(Role.COMMUNE_OFFICER)
    at = datetime(2026, 12, 3, 9, 30, 15, 123456, tzinfo=UTC)
    detail = {"path": '/people/?q="Nguyễn Thị Ánh"\t\\N', "page": 2}
    event = audit_people_record(
        actor=officer,
        action="people.list",
        target_type="people.person",
        target_id="7",
        reason="tìm, kiểm tra",
        people={30, 10, 20},
        row_count=3,
        detail=detail,
        at=at,
    )
    stored = AuditEvent.objects.get(pk=event.pk)
    assert (stored.at, stored.actor_id, stored.action, stored.target_type, stored.target_id) == (
        at,
        officer.pk,
        "people.list",
        "people.person",
        "7",
    )
    assert (stored.reason, stored.row_count, stored.people_count, stored.detail) == (
        "tìm, kiểm tra",
        3,
        3,
        detail,
    )
    rows = AuditPerson.objects.filter(event=stored).order_by("person_id")
    assert [(r.person_id, r.actor_id, r.at) for r in rows] == [(p, officer.pk, at) for p in (10, 20, 30)]


def test_no_people_no_actor(db):
    event = audit_people_record(actor=None, action="testing.result_lookup", people=())
    stored = AuditEvent.objects.get(pk=event.pk)
    assert stored.actor_id is None and stored.people_count == 0 and not stored.people.exists()


def test_the_ids_kept_are_bounded_and_the_count_stays_exact(make_user):
    assert audit.PEOPLE_PER_EVENT > 500  # above the alert's default limit: it counts from the stored ids
    event = audit_people_record(
        actor=make_user(Role.ADMIN), action="tracing.export", people=range(1, 11), keep=3
    )
    stored = AuditEvent.objects.get(pk=event.pk)
    assert stored.people_count == 10 and stored.detail["people_truncated"] is True
    assert sorted(stored.people.values_list("person_id", flat=True)) == [1, 2, 3]
