"""Filing requests, their status machine with history, links, SMS to the caller, and who may act."""

from datetime import timedelta

import pytest

from epiqr.core.errors import Conflict, Forbidden, Invalid
from epiqr.hotline import services
from epiqr.hotline.models import EventKind, Priority, Status, Ticket
from epiqr.hotline.services import Filing, ticket_file
from tests.factories import PersonFactory


def _sms_to(sent_messages, phone):
    return [m for m in sent_messages if m.recipient == phone]


def test_a_call_gets_its_priority_and_deadline_from_the_rules_and_an_sms_with_its_number(
    hotline, file_call, clock, sent_messages
):
    ticket = file_call(category="supplies", vulnerable=True)
    assert ticket.priority == Priority.HIGH
    assert ticket.priority_reason == "A vulnerable person without food or supplies"
    assert ticket.rules == "hn-1022/2"
    assert ticket.due_at == clock() + timedelta(hours=8)
    assert ticket.status == Status.NEW and ticket.team is None  # waits in the intake queue
    assert ticket.province_id == hotline.centre.province_id
    [sms] = _sms_to(sent_messages, "0912345678")
    assert f"phiếu số {ticket.pk}" in sms.body
    assert [e.kind for e in ticket.history.all()] == [EventKind.CREATED, EventKind.SMS]


def test_an_operator_may_give_the_call_to_a_team_at_once(hotline, file_call, sent_messages):
    ticket = file_call(category="emergency", team_id=hotline.medical.pk, description="Cụ ông khó thở")
    assert ticket.status == Status.ASSIGNED and ticket.team == hotline.medical
    assert ticket.priority == Priority.URGENT
    # an urgent request tells its team at once (the medic has a phone, no email)
    assert any(m.recipient == hotline.medic.phone and f"{ticket.pk}" in m.body for m in sent_messages)


def test_a_registered_f0_with_a_warning_sign_is_urgent_and_linked_to_the_case(hotline, file_call, commune):
    from epiqr.cases.services import case_open
    from epiqr.core.timeutil import local_today

    person = PersonFactory(commune=commune, phone="0987000111", address="12 Hàng Bông")
    case = case_open(person=person, confirmed_on=local_today())
    ticket = file_call(category="f0_care", warning_sign=True, person_id=person.pk, phone=person.phone,
                       caller_name="", commune_id=None)  # fmt: skip
    assert ticket.priority == Priority.URGENT
    assert ticket.priority_reason == "An F0 with a warning sign"
    assert (ticket.person, ticket.case, ticket.commune) == (person, case, commune)
    assert ticket.caller_name == person.full_name and ticket.address == "12 Hàng Bông"


def test_an_old_person_on_record_counts_as_vulnerable(hotline, file_call, commune, clock):
    person = PersonFactory(commune=commune, birth_year=1950)
    ticket = file_call(category="supplies", person_id=person.pk)
    assert ticket.priority == Priority.HIGH


def test_bad_input_is_refused_with_the_field_named(hotline, file_call):
    for fields, field in (
        ({"phone": "12"}, "phone"),
        ({"description": "   "}, "description"),
        ({"category": "pizza"}, "category"),
        ({"commune_id": 999999999}, "commune"),
        ({"description": "a\x00b"}, "description"),
        ({"team_id": 10**12}, "team"),
        ({"caller_name": "x" * 500}, "caller_name"),
    ):
        with pytest.raises(Invalid) as exc:
            file_call(**fields)
        assert exc.value.field == field, fields
    assert not Ticket.objects.exists()


def test_only_operators_file_calls_and_only_people_of_their_area(hotline, file_call, other_commune, geo):
    with pytest.raises(Forbidden):
        file_call(actor=hotline.officer)
    from epiqr.geo.models import Province

    elsewhere = PersonFactory(commune=Province.objects.exclude(pk=geo.pk).first().communes.first())
    with pytest.raises(Forbidden):
        file_call(person_id=elsewhere.pk)
    assert not Ticket.objects.exists()


def test_the_status_machine_writes_history_and_reopens(hotline, file_call, clock, sent_messages):
    ticket = file_call()
    ticket = services.ticket_assign(
        ticket=ticket, team=hotline.commune_team, actor=hotline.operator, note="Gấp"
    )
    assert ticket.status == Status.ASSIGNED
    clock.advance(minutes=5)
    ticket = services.ticket_take(ticket=ticket, actor=hotline.officer)
    assert (ticket.status, ticket.assignee) == (Status.IN_PROGRESS, hotline.officer)
    services.ticket_note(ticket=ticket, actor=hotline.officer, text="Đã gọi lại, hẹn giao 14h")
    clock.advance(hours=3)
    ticket = services.ticket_resolve(
        ticket=ticket, actor=hotline.officer, resolution="Đã giao 10 kg gạo và sữa."
    )
    assert ticket.status == Status.RESOLVED and ticket.resolved_at == clock()
    resolved_sms = [m for m in _sms_to(sent_messages, "0912345678") if "xử lý xong" in m.body]
    assert len(resolved_sms) == 1 and "10 kg gạo" in resolved_sms[0].body
    clock.advance(days=1)
    ticket = services.ticket_reopen(
        ticket=ticket, actor=hotline.operator, reason="Người dân gọi lại: thiếu sữa"
    )
    assert ticket.status == Status.ASSIGNED and ticket.assignee is None and ticket.resolved_at is None
    assert ticket.due_at == clock() + timedelta(hours=24)
    moves = [(e.from_status, e.to_status) for e in ticket.history.filter(kind=EventKind.STATUS)]
    assert moves == [
        ("new", "assigned"), ("assigned", "in_progress"), ("in_progress", "resolved"), ("resolved", "assigned"),
    ]  # fmt: skip
    assert ticket.history.filter(kind=EventKind.NOTE, by=hotline.officer).count() == 1


def test_moves_the_machine_does_not_allow_are_refused_and_change_nothing(hotline, file_call):
    ticket = file_call()
    with pytest.raises(Conflict):  # nobody can take a request that has no team yet
        services.ticket_take(ticket=ticket, actor=hotline.operator)
    ticket = services.ticket_cancel(ticket=ticket, actor=hotline.operator, reason="Gọi nhầm")
    with pytest.raises(Conflict):
        services.ticket_resolve(ticket=ticket, actor=hotline.operator, resolution="x")
    with pytest.raises(Invalid):
        services.ticket_reopen(ticket=ticket, actor=hotline.operator, reason="  ")
    assert Ticket.objects.get().status == Status.CANCELLED


def test_a_stale_page_cannot_undo_a_move_made_since(hotline, file_call):
    ticket = file_call(team_id=hotline.commune_team.pk)
    stale = Ticket.objects.get(pk=ticket.pk)
    services.ticket_resolve(ticket=ticket, actor=hotline.operator, resolution="Đã xong")
    with pytest.raises(Conflict):
        services.ticket_take(ticket=stale, actor=hotline.officer)
    assert Ticket.objects.get().status == Status.RESOLVED


def test_only_the_team_works_on_its_requests(hotline, file_call):
    ticket = file_call(team_id=hotline.commune_team.pk)
    with pytest.raises(Forbidden):
        services.ticket_take(ticket=ticket, actor=hotline.outsider)
    with pytest.raises(Forbidden):  # commune officers do not move requests between teams
        services.ticket_assign(ticket=ticket, team=hotline.other_team, actor=hotline.officer)
    ticket = services.ticket_take(ticket=ticket, actor=hotline.officer)
    assert ticket.assignee == hotline.officer


def test_linking_a_person_with_an_active_case_raises_the_priority_never_lowers_it(
    hotline, file_call, commune, clock
):
    from epiqr.cases.services import case_open
    from epiqr.core.timeutil import local_today

    person = PersonFactory(commune=commune)
    case_open(person=person, confirmed_on=local_today())
    ticket = file_call(category="other", warning_sign=True, team_id=hotline.medical.pk)
    assert ticket.priority == Priority.HIGH  # a warning sign, but nobody known to be an F0 yet
    clock.advance(minutes=10)
    ticket = services.ticket_link_person(ticket=ticket, person=person, actor=hotline.operator)
    ticket.refresh_from_db()
    assert ticket.priority == Priority.URGENT and ticket.case is not None
    assert ticket.due_at == ticket.created_at + timedelta(minutes=30)
    low = file_call(category="emergency", team_id=hotline.medical.pk)
    services.ticket_link_person(
        ticket=low, person=PersonFactory(commune=commune, birth_year=2000), actor=hotline.operator
    )
    low.refresh_from_db()
    assert low.priority == Priority.URGENT


def test_a_web_request_is_filed_without_an_operator(hotline, commune, sent_messages):
    ticket = ticket_file(
        filing=Filing(source="web", category="permits", description="Xin giấy đi đường đi làm",
                      phone="0912 000 222", commune_id=commune.pk, phone_verified=True)
    )  # fmt: skip
    assert (ticket.phone, ticket.phone_verified, ticket.status) == ("0912000222", True, Status.NEW)
    assert ticket.created_by is None
    assert _sms_to(sent_messages, "0912000222")
