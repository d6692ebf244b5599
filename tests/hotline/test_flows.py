"""Requests EpiQR raises itself (the care domain's alerts, once they exist) and the events the hotline
emits for the others."""

from datetime import timedelta

import pytest
from django.utils import translation

from epiqr.core import events
from epiqr.core.events import Event, Registry
from epiqr.hotline import flows, services
from epiqr.hotline.models import EventKind, Priority, Source, Status, Ticket
from tests.factories import PersonFactory


@pytest.fixture
def emitted(monkeypatch):
    from epiqr.core import events

    seen = []
    monkeypatch.setattr(events, "emit", lambda event, **payload: seen.append((event.name, payload)))
    return seen


# The care domain's events as its brief declares them (issue 13): declared here in a registry of the test's
# own, as core's start-up will declare them from care/events.py once that domain lands.
CARE_WARNING = Event(
    "care_warning", fields=("person_id", "case_id", "reason", "severity"),
    when="A warning sign or a low SpO2 in an F0's self-report at home.",
)  # fmt: skip
CARE_REPORT_MISSED = Event(
    "care_report_missed", fields=("person_id", "case_id", "slot"), when="An F0 at home missed a self-report."
)


@pytest.fixture
def care(django_capture_on_commit_callbacks):
    """A registry declaring the care domain's events with the hotline's flows subscribed, and emit(...)
    delivering an event as core does after the emitter's commit (a failing handler fails the test)."""
    registry = Registry()
    registry.declare(CARE_WARNING, domain="care")
    registry.declare(CARE_REPORT_MISSED, domain="care")
    assert flows.subscribe(registry) == ["care_warning", "care_report_missed"]
    registry.check()  # the handlers take exactly the declared fields

    def emit(event, **payload):
        with django_capture_on_commit_callbacks(execute=True):
            registry.emit(event, **payload)

    return emit


def test_the_hotline_reacts_to_the_care_events_once_they_are_declared():
    """Subscribed to those of the care events the application declares: none while the care domain is
    not installed, both (checked at start-up against their fields) once it declares them."""
    declared = [name for name in flows.HANDLERS if name in events.registry.events]
    for name, handler in flows.HANDLERS.items():
        subscribed = [s.handler for s in events.registry.handlers(name)]
        assert (handler in subscribed) == (name in declared)
    assert flows.subscribe(Registry()) == []  # nothing subscribed to an event nobody declares


def test_a_warning_sign_at_home_raises_one_urgent_request_for_the_medical_team(
    hotline, commune, clock, care, sent_messages
):
    from epiqr.cases.services import case_open
    from epiqr.core.timeutil import local_today

    person = PersonFactory(commune=commune, phone="0933222111")
    case = case_open(person=person, confirmed_on=local_today())
    care(CARE_WARNING, person_id=person.pk, case_id=case.pk, reason="SpO2 93%, thở nhanh", severity=2)
    ticket = Ticket.objects.get()
    assert (ticket.source, ticket.category, ticket.priority) == (Source.SYSTEM, "f0_care", Priority.URGENT)
    assert ticket.priority_reason == "An F0 with a warning sign"
    assert (ticket.team, ticket.status, ticket.case, ticket.phone) == (
        hotline.medical, Status.ASSIGNED, case, "0933222111",
    )  # fmt: skip
    assert ticket.description == "SpO2 93%, thở nhanh"
    assert ticket.due_at == clock() + timedelta(minutes=30)
    # the medical team is told at once (urgent), the person gets the request's number
    assert any(m.recipient == hotline.medic.phone and str(ticket.pk) in m.body for m in sent_messages)
    assert any(m.recipient == "0933222111" and str(ticket.pk) in m.body for m in sent_messages)

    # a second warning while the request is open goes into its history: one request per person
    clock.advance(minutes=10)
    care(CARE_WARNING, person_id=person.pk, case_id=case.pk, reason="SpO2 91%", severity=3)
    assert Ticket.objects.count() == 1
    alert = ticket.history.get(kind=EventKind.ALERT)
    assert (alert.text, alert.at) == ("SpO2 91%", clock())

    # once it is resolved, the next warning is a new request
    services.ticket_resolve(ticket=ticket, actor=hotline.medic, resolution="Đã đưa đi viện")
    care(CARE_WARNING, person_id=person.pk, case_id=case.pk, reason="Sốt cao trở lại", severity=2)
    assert Ticket.objects.count() == 2


def test_a_missed_self_report_raises_one_call_back_per_slot(hotline, commune, clock, care):
    person = PersonFactory(commune=commune)
    with translation.override("en"):  # emitted from an English page: the team still reads Vietnamese
        care(CARE_REPORT_MISSED, person_id=person.pk, case_id=None, slot="2026-12-04 08:00")
    ticket = Ticket.objects.get()
    assert ticket.priority == Priority.HIGH and ticket.priority_reason == "An alert from home care"
    assert ticket.team == hotline.medical and ticket.due_at == clock() + timedelta(hours=2)
    assert "2026-12-04 08:00" in ticket.description and "tự khai báo" in ticket.description
    # the same slot again (an event delivered twice) changes nothing
    care(CARE_REPORT_MISSED, person_id=person.pk, case_id=None, slot="2026-12-04 08:00")
    assert Ticket.objects.count() == 1 and not ticket.history.filter(kind=EventKind.ALERT).exists()


def test_a_warning_on_an_open_call_back_makes_it_urgent_with_a_shorter_deadline(
    hotline, commune, clock, care, sent_messages
):
    person = PersonFactory(commune=commune)
    care(CARE_REPORT_MISSED, person_id=person.pk, case_id=None, slot="2026-12-04 08:00")
    ticket = Ticket.objects.get()
    care(CARE_REPORT_MISSED, person_id=person.pk, case_id=None, slot="2026-12-04 20:00")  # still unreachable
    clock.advance(minutes=20)
    sent_messages.clear()
    care(CARE_WARNING, person_id=person.pk, case_id=None, reason="Người nhà báo khó thở", severity=3)
    ticket.refresh_from_db()
    assert Ticket.objects.count() == 1
    assert ticket.priority == Priority.URGENT and ticket.warning_sign
    assert ticket.due_at == clock() + timedelta(minutes=30)  # sooner than the 2 hours of the call back
    assert [e.text for e in ticket.history.filter(kind=EventKind.ALERT)][-1] == "Người nhà báo khó thở"
    assert ticket.history.filter(kind=EventKind.ALERT).count() == 2
    assert any(m.recipient == hotline.medic.phone for m in sent_messages)  # the team told: now urgent


def test_an_alert_for_an_unknown_person_files_nothing(hotline, care, caplog):
    care(CARE_REPORT_MISSED, person_id=10**9, case_id=None, slot="08:00")
    care(CARE_WARNING, person_id=10**9, case_id=None, reason="x", severity=3)
    assert not Ticket.objects.exists()
    assert "unknown person" in caplog.text


def test_filing_escalating_and_closing_are_told_to_the_other_domains(hotline, file_call, clock, emitted):
    ticket = file_call(category="emergency", team_id=hotline.medical.pk)
    clock.advance(minutes=16)
    services.tickets_escalate_due()
    ticket.refresh_from_db()
    services.ticket_resolve(ticket=ticket, actor=hotline.officer, resolution="Xong")
    names = [name for name, _payload in emitted]
    assert names == ["ticket_filed", "ticket_escalated", "ticket_closed"]
    assert emitted[0][1] == {
        "ticket_id": ticket.pk, "category": "emergency", "priority": 0, "source": "call",
        "team_id": hotline.medical.pk,
    }  # fmt: skip
    assert emitted[1][1]["team_id"] == hotline.commune_team.pk and emitted[1][1]["level"] == 1
    assert emitted[2][1] == {"ticket_id": ticket.pk, "team_id": hotline.commune_team.pk, "status": "resolved",
                             "minutes_open": 16}  # fmt: skip
