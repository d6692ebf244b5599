"""Escalation past the deadline, narrated with a fake clock.

The medical team of the commune gets an emergency at 08:00 (deadline 15 minutes). Nobody touches it: at
08:16 the scheduler's sweep moves it up to the commune team (level 1, a new 15-minute deadline) and tells
the commune team; at 08:32 up to the 1022 centre (level 2); at 08:48 the centre is at the top, so it is
told once and the request stays with it. Running the sweep again, or twice at once, changes nothing.
"""

from datetime import timedelta

from epiqr.hotline import services
from epiqr.hotline.models import EventKind, Status, Ticket


def _told(sent_messages, user):
    return [m for m in sent_messages if m.recipient in (user.email, user.phone) and m.recipient]


def test_an_emergency_nobody_touches_climbs_to_the_centre_once_per_deadline(
    hotline, file_call, clock, sent_messages
):
    ticket = file_call(category="emergency", team_id=hotline.medical.pk)
    assert ticket.due_at == clock() + timedelta(minutes=15)
    assert services.tickets_escalate_due() == []  # 08:00: nothing is late

    clock.advance(minutes=14)
    assert services.tickets_escalate_due() == []

    clock.advance(minutes=2)  # 08:16
    sent_messages.clear()
    assert services.tickets_escalate_due() == [ticket.pk]
    ticket.refresh_from_db()
    assert (ticket.team, ticket.level, ticket.status) == (hotline.commune_team, 1, Status.ASSIGNED)
    assert ticket.due_at == clock() + timedelta(minutes=15)
    [told] = _told(sent_messages, hotline.officer)
    assert f"Phiếu {ticket.pk}" in told.body and "quá hạn" in told.body
    assert services.tickets_escalate_due() == []  # the sweep again: nothing more

    clock.advance(minutes=16)  # 08:32
    assert services.tickets_escalate_due() == [ticket.pk]
    ticket.refresh_from_db()
    assert (ticket.team, ticket.level) == (hotline.centre, 2)
    assert _told(sent_messages, hotline.operator)

    clock.advance(minutes=16)  # 08:48: the centre has no level above it
    sent_messages.clear()
    assert services.tickets_escalate_due() == [ticket.pk]
    ticket.refresh_from_db()
    assert (ticket.team, ticket.level) == (hotline.centre, 2)
    assert len(_told(sent_messages, hotline.operator)) == 1
    clock.advance(hours=5)
    assert services.tickets_escalate_due() == []  # told once for that deadline, not every minute
    escalations = ticket.history.filter(kind=EventKind.ESCALATED).order_by("at")
    assert [e.level for e in escalations] == [1, 2, 2]


def test_a_request_in_the_intake_queue_goes_to_the_centre(hotline, file_call, clock):
    ticket = file_call(category="supplies")  # no team: the intake queue, 24 hours
    clock.advance(hours=24, minutes=1)
    assert services.tickets_escalate_due() == [ticket.pk]
    ticket.refresh_from_db()
    assert (ticket.team, ticket.level, ticket.status) == (hotline.centre, 1, Status.ASSIGNED)


def test_work_in_progress_is_handed_up_too_and_the_next_level_picks_it(hotline, file_call, clock):
    ticket = file_call(category="violation", team_id=hotline.commune_team.pk)
    ticket = services.ticket_take(ticket=ticket, actor=hotline.officer)
    clock.advance(days=2)
    services.tickets_escalate_due()
    ticket.refresh_from_db()
    assert (ticket.team, ticket.assignee, ticket.status) == (hotline.centre, None, Status.ASSIGNED)


def test_closed_requests_and_requests_within_their_deadline_never_escalate(hotline, file_call, clock):
    done = file_call(team_id=hotline.commune_team.pk)
    services.ticket_resolve(ticket=done, actor=hotline.officer, resolution="Đã xong")
    waiting = file_call(category="permits", team_id=hotline.commune_team.pk)  # 72 hours
    clock.advance(hours=30)
    assert services.tickets_escalate_due() == []
    assert set(Ticket.objects.values_list("level", flat=True)) == {0}
    assert waiting.pk


def test_escalating_one_request_twice_at_the_same_moment_escalates_it_once(hotline, file_call, clock):
    ticket = file_call(category="emergency", team_id=hotline.medical.pk)
    clock.advance(minutes=20)
    assert services.ticket_escalate(ticket_id=ticket.pk) is True
    assert services.ticket_escalate(ticket_id=ticket.pk) is False
    ticket.refresh_from_db()
    assert ticket.level == 1


def test_the_scheduler_runs_the_sweep_every_minute(hotline, file_call, clock, settings):
    from epiqr.core.scheduler import jobs, jobs_run_due

    assert any(j.name == "hotline.escalate" and j.every == timedelta(minutes=1) for j in jobs())
    ticket = file_call(category="emergency", team_id=hotline.medical.pk)
    at = clock.advance(minutes=16)
    assert "hotline.escalate" in jobs_run_due(at=at)  # the immediate task backend runs it now
    ticket.refresh_from_db()
    assert ticket.level == 1
    assert "hotline.escalate" not in jobs_run_due(at=at + timedelta(seconds=30))  # not due again yet


def test_a_reopened_request_gets_a_fresh_deadline_and_can_escalate_again(hotline, file_call, clock):
    ticket = file_call(category="emergency", team_id=hotline.medical.pk)
    clock.advance(minutes=16)
    services.tickets_escalate_due()
    ticket.refresh_from_db()
    ticket = services.ticket_resolve(ticket=ticket, actor=hotline.officer, resolution="Xe 115 đã đến")
    clock.advance(hours=1)
    ticket = services.ticket_reopen(ticket=ticket, actor=hotline.operator, reason="Gọi lại: cần thêm oxy")
    clock.advance(minutes=16)
    assert services.tickets_escalate_due() == [ticket.pk]
    ticket.refresh_from_db()
    assert (ticket.team, ticket.level) == (hotline.centre, 2)
