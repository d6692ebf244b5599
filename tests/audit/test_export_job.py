"""A tracing export written as a job (no request) is audited like a declared route: one event per file,
with the purpose and every contact written to it, so "who read this person?" finds exports too."""

import pytest

from epiqr.core.models import AuditEvent
from epiqr.core.permissions import Role
from tests.routes import build_world

pytestmark = pytest.mark.django_db


def test_an_export_job_records_every_contact_it_wrote(commune, make_user):
    admin = make_user(Role.ADMIN)
    world = build_world(commune=commune, admin=admin)  # exports the run as CSV and XLSX through jobs
    contacts = set(world["run"].contacts.values_list("person_id", flat=True))
    assert contacts
    events = AuditEvent.objects.filter(action="tracing.export", target_id=str(world["run"].pk))
    assert events.count() == 2
    for event in events:
        assert event.actor == admin and event.reason == "kiểm tra" and event.row_count >= len(contacts)
        assert contacts <= set(event.people.values_list("person_id", flat=True))
        assert event.people_count == event.people.count()
