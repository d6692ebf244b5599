# ruff: noqa: F811  (the care and quarantine test worlds are imported fixtures, named as parameters)
"""The hotline linked to the other domains: urgent medical requests ask care for a bed (one proposal at a
time), camera alerts and symptoms in quarantine raise requests for the commune team (one open request
per camera or quarantine, no flood)."""

from datetime import datetime, time, timedelta

import numpy as np
import pytest
from django.test import Client

from epiqr.cameras import services as camera_services
from epiqr.care import services as care_services
from epiqr.care.models import Routing
from epiqr.core.timeutil import local_today, now
from epiqr.hotline import services
from epiqr.hotline.models import EventKind, Priority, Source, Status, Ticket
from tests.cameras.conftest import make_camera
from tests.care.conftest import care, new_patient  # noqa: F401
from tests.factories import PersonFactory
from tests.quarantine.conftest import quarantined, qworld  # noqa: F401


def _page(user, ticket) -> str:
    c = Client()
    c.force_login(user)
    response = c.get(f"/hotline/tickets/{ticket.pk}/")
    assert response.status_code == 200
    return response.content.decode()


def _f0(commune, **person):
    from epiqr.cases.services import case_open

    p = PersonFactory(commune=commune, **person)
    return p, case_open(person=p, confirmed_on=local_today())


# --- urgent medical requests and care's routing --------------------------------------------------------


def test_an_emergency_call_for_an_f0_proposes_a_bed_and_shows_it(hotline, care, file_call):
    person, case = _f0(care.commune, phone="0933000111")
    ticket = file_call(category="emergency", description="Khó thở, môi tím", person_id=person.pk)
    assert (ticket.priority, ticket.case) == (Priority.URGENT, case)
    routing = Routing.objects.get(patient__case=case)
    assert ticket.routing == routing and routing.status == "proposed"
    assert routing.facility in care.facilities.values() and routing.distance_km is not None
    assert routing.reason == f"1022 #{ticket.pk}"  # which request, read the same in either language
    line = ticket.history.get(kind=EventKind.ROUTING)
    assert line.text == str(routing.pk)
    html = _page(hotline.operator, ticket)
    km = f"{routing.distance_km:.1f}".replace(".", ",")  # the Vietnamese decimal comma
    assert (
        html.count(routing.facility.name) == 2 and html.count(f"{km} km") == 2
    )  # the request and its history


def test_one_proposal_at_a_time_whatever_calls_and_alerts_come(hotline, care, file_call):
    person, case = _f0(care.commune)
    first = file_call(category="emergency", description="Sốt cao", person_id=person.pk)
    second = file_call(category="f0_care", description="Khó thở", person_id=person.pk, warning_sign=True)
    assert second.priority == Priority.URGENT
    assert Routing.objects.filter(patient__case=case).count() == 1
    assert first.routing_id == second.routing_id is not None
    # A care alert added to the open request: still the same proposal.
    services.ticket_raise(key="care_warning:x:1", person_id=person.pk, case_id=case.pk, reason="SpO2 92%",
                          severity=3, warning_sign=True)  # fmt: skip
    assert Routing.objects.filter(patient__case=case).count() == 1
    # Declined by the coordinator: the next urgent request asks again.
    routing = Routing.objects.get()
    care_services.routing_decide(
        routing_id=routing.pk, actor=care.coordinator, accept=False, reason="Hết giường"
    )
    third = file_call(category="emergency", description="Ngất", person_id=person.pk)
    assert Routing.objects.filter(patient__case=case).count() == 2 and third.routing_id != routing.pk


def test_a_home_care_warning_links_the_proposal_care_already_made(
    hotline,
    care,
    new_patient,
    django_capture_on_commit_callbacks,
):
    patient = care_services.patient_home(patient=new_patient(rr=16, spo2=98), actor=care.officer)
    with django_capture_on_commit_callbacks(execute=True):
        care_services.report_record(patient=patient, slot="pm", respiratory_rate=24, spo2=92)
    ticket = Ticket.objects.get(person_id=patient.person_id)
    routing = Routing.objects.get(patient=patient)  # care's own proposal, not a second one
    assert ticket.priority == Priority.URGENT and ticket.routing == routing


def test_no_bed_anywhere_is_shown_as_escalated_to_the_province(hotline, commune, file_call):
    person, case = _f0(commune)
    ticket = file_call(category="emergency", description="Khó thở", person_id=person.pk)
    assert ticket.routing.status == "escalated" and ticket.routing.facility is None
    assert "Đã chuyển lên tỉnh/thành phố" in _page(hotline.operator, ticket)


def test_care_refusing_to_route_is_said_in_the_history_and_the_request_goes_on(hotline, care, file_call):
    from epiqr.care.models import Patient

    person, case = _f0(care.commune)
    patient = care_services.patient_open(case=case)
    Patient.objects.filter(pk=patient.pk).update(status="deceased")  # care ended (set up as care would)
    ticket = file_call(category="emergency", description="Gọi lại", person_id=person.pk)
    assert ticket.pk and ticket.routing is None and not Routing.objects.exists()
    line = ticket.history.get(kind=EventKind.ROUTING)
    assert line.text.startswith(services.NO_ROUTE)
    html = _page(hotline.operator, ticket)
    assert "Chưa đề xuất được giường" in html and "đã kết thúc" in html  # care's reason, in Vietnamese


def test_only_urgent_medical_requests_of_an_f0_ask_for_a_bed(hotline, care, file_call):
    person, case = _f0(care.commune)
    high = file_call(category="f0_care", description="Cần thuốc", person_id=person.pk)
    food = file_call(category="supplies", description="Hết gạo", person_id=person.pk)
    stranger = file_call(category="emergency", description="Ngã", phone="0977000222")
    assert high.priority == Priority.HIGH and stranger.priority == Priority.URGENT
    assert not Routing.objects.exists() and not any(t.routing_id for t in (high, food, stranger))
    assert not Ticket.objects.filter(history__kind=EventKind.ROUTING).exists()


def test_a_request_that_becomes_urgent_for_an_f0_by_a_link_asks_for_a_bed(hotline, care, file_call):
    person, case = _f0(care.commune)
    ticket = file_call(category="f0_care", description="Khó thở", warning_sign=True, phone="0977000333")
    assert ticket.priority == Priority.URGENT and ticket.routing is None  # no case known yet
    ticket = services.ticket_link_person(ticket=ticket, person=person, actor=hotline.operator)
    assert ticket.case == case and ticket.routing == Routing.objects.get(patient__case=case)


# --- camera alerts -------------------------------------------------------------------------------------


def _camera_alert(camera, kind, capture, *, at=None, people=None):
    with capture(execute=True):
        return camera_services._alert(
            camera, kind=kind, at=at or now(), frame=np.zeros((40, 60), np.uint8), people=people
        )


def test_a_crowd_alert_files_one_request_per_episode_for_the_commune_team(
    hotline, commune, sent_messages, django_capture_on_commit_callbacks
):
    camera = make_camera(commune, kind="crowd", threshold=6, sustain_minutes=3, location="Cổng chợ Thử")
    _camera_alert(camera, "crowd", django_capture_on_commit_callbacks, people=9)
    ticket = Ticket.objects.get()
    assert (ticket.source, ticket.category, ticket.priority) == (Source.SYSTEM, "violation", Priority.HIGH)
    assert ticket.priority_reason == "A crowd seen by a camera" and ticket.rules == "hn-1022/2"
    assert (ticket.team, ticket.commune, ticket.person) == (hotline.commune_team, commune, None)
    assert ticket.due_at - ticket.created_at == timedelta(minutes=60)
    assert "9 người" in ticket.description and "ngưỡng 6" in ticket.description
    assert ticket.address == "Cổng chợ Thử"
    # The crowd lasts: the camera's next alerts are lines in the same request, not new requests.
    for _ in range(3):
        _camera_alert(camera, "crowd", django_capture_on_commit_callbacks, people=12)
    assert Ticket.objects.count() == 1
    assert ticket.history.filter(kind=EventKind.ALERT).count() == 3
    # Another camera is another request; once resolved, the next alert of the first is a new episode.
    other = make_camera(commune, code="cam-2", kind="crowd", threshold=6)
    _camera_alert(other, "crowd", django_capture_on_commit_callbacks, people=7)
    assert Ticket.objects.count() == 2
    services.ticket_resolve(ticket=ticket, actor=hotline.officer, resolution="Đã nhắc giãn cách")
    _camera_alert(camera, "crowd", django_capture_on_commit_callbacks, people=8)
    assert Ticket.objects.filter(origin=f"camera:{camera.pk}").count() == 2
    assert not [m for m in sent_messages if m.channel == "sms" and "1022" in m.body and not m.recipient]


def test_a_quarantined_door_alert_is_linked_to_the_person_and_sends_them_nothing(
    hotline, commune, sent_messages, django_capture_on_commit_callbacks
):
    person = PersonFactory(commune=commune, phone="0944000555")
    camera = make_camera(
        commune, kind="quarantine", household=person, quarantine_until=now() + timedelta(days=3)
    )
    _camera_alert(camera, "door", django_capture_on_commit_callbacks)
    ticket = Ticket.objects.get()
    assert (ticket.category, ticket.priority, ticket.person, ticket.team) == (
        "violation", Priority.HIGH, person, hotline.commune_team,
    )  # fmt: skip
    assert ticket.priority_reason == "Movement through a quarantined door"
    assert not [m for m in sent_messages if m.recipient == "0944000555"]
    _camera_alert(camera, "door", django_capture_on_commit_callbacks)
    assert Ticket.objects.count() == 1


def test_a_refused_code_at_a_checkpoint_camera_files_no_request(
    hotline, commune, django_capture_on_commit_callbacks
):
    camera = make_camera(commune, kind="checkpoint")
    _camera_alert(camera, "passage", django_capture_on_commit_callbacks)
    assert not Ticket.objects.exists()


# --- symptoms in quarantine ----------------------------------------------------------------------------


def test_symptoms_in_quarantine_file_a_high_request_for_the_commune_team(
    hotline,
    quarantined,
    sent_messages,
    django_capture_on_commit_callbacks,
):
    from epiqr.quarantine import services as quarantine_services

    with django_capture_on_commit_callbacks(execute=True):
        quarantine_services.diary_record(
            quarantine=quarantined, actor=None, source="self", symptoms=["cough"], temperature="38.2"
        )
    ticket = Ticket.objects.get()
    assert (ticket.source, ticket.priority, ticket.team) == (
        Source.SYSTEM,
        Priority.HIGH,
        hotline.commune_team,
    )
    assert ticket.priority_reason == "Symptoms reported in quarantine"
    assert ticket.person_id == quarantined.person_id and ticket.status == Status.ASSIGNED
    assert "Sốt" in ticket.description and "Ho" in ticket.description
    # The next day's symptoms go into the same open request; a care alert of the person is another matter.
    with django_capture_on_commit_callbacks(execute=True):
        services.ticket_raise(
            key=f"quarantine_symptoms:{quarantined.pk}:next", person_id=quarantined.person_id, case_id=None,
            reason="Khó thở", alert="quarantine_symptoms", origin=f"quarantine:{quarantined.pk}",
            category="other",
        )  # fmt: skip
    assert Ticket.objects.count() == 1 and ticket.history.filter(kind=EventKind.ALERT).count() == 1


def test_two_silent_diary_days_file_a_low_call_request_for_the_commune_team(
    hotline, quarantined, monkeypatch, django_capture_on_commit_callbacks
):
    """The quarantine sweep at 00:40 Vietnam time on the third day: two days without a diary, each
    reminded, become one low-priority call request for the commune team, linked to the person."""
    from epiqr.core import timeutil
    from epiqr.quarantine import services as quarantine_services

    q = quarantined
    clock = datetime.combine(q.start + timedelta(days=2), time(0, 40), timeutil.VN_TZ)
    monkeypatch.setattr(timeutil, "now", lambda: clock)
    with django_capture_on_commit_callbacks(execute=True):
        assert quarantine_services.diaries_chase()["alerts"] == 1
    ticket = Ticket.objects.get()
    assert (ticket.source, ticket.priority, ticket.team, ticket.person_id) == (
        Source.SYSTEM, Priority.LOW, hotline.commune_team, q.person_id,
    )  # fmt: skip
    assert ticket.priority_reason == "A missed diary day in quarantine: call to check"
    assert q.start.strftime("%d/%m/%Y") in ticket.description
    with django_capture_on_commit_callbacks(execute=True):  # the next hourly sweep files nothing more
        quarantine_services.diaries_chase()
    assert Ticket.objects.count() == 1


@pytest.mark.parametrize("ruleset", ["hn-1022/1", "hn-1022/2"])
def test_stored_rule_versions_still_give_their_deadlines(ruleset):
    from epiqr.hotline import rules

    assert rules.ruleset_by_label(ruleset).deadline("supplies", Priority.NORMAL) == 24 * 60
