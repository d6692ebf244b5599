"""Home monitoring: a self-report with a warning sign or a low SpO2 escalates at once (a routing proposal,
`care_warning` that the hotline turns into an urgent request, the commune officers told); a missed slot
is flagged once (`care_report_missed`, a hotline request to call)."""

from datetime import datetime, timedelta

import pytest

from epiqr.care import services
from epiqr.care.models import MissedReport, Report, Routing
from epiqr.core.errors import Conflict, Invalid
from epiqr.core.timeutil import VN_TZ, local_today


@pytest.fixture
def at_home(care, new_patient):
    p = new_patient(rr=16, spo2=98, birth_year=1990)
    return services.patient_home(patient=p, actor=care.officer)


def test_a_low_spo2_reaches_the_hotline_the_officers_and_routing(
    care, at_home, sent_messages, django_capture_on_commit_callbacks
):
    from epiqr.hotline.models import Ticket

    with django_capture_on_commit_callbacks(execute=True):
        report = services.report_record(
            patient=at_home, slot="pm", respiratory_rate=22, pulse=105, temperature="38,4", spo2=93
        )
    assert report.warning and float(report.temperature) == 38.4
    ticket = Ticket.objects.get(person_id=at_home.person_id)
    assert ticket.warning_sign and ticket.priority == 0 and ticket.case_id == at_home.case_id
    assert "SpO2 93%" in ticket.description
    routing = Routing.objects.get(patient=at_home, status="proposed")
    assert (routing.tier, routing.bed_kind) == (3, "oxygen")  # SpO2 < 94: severe
    assert any("SpO2 93%" in m.body for m in sent_messages)
    at_home.refresh_from_db()
    assert at_home.severity == "severe"


def test_a_normal_report_raises_nothing(care, at_home, sent_messages, django_capture_on_commit_callbacks):
    from epiqr.hotline.models import Ticket

    with django_capture_on_commit_callbacks(execute=True):
        services.report_record(
            patient=at_home, slot="am", respiratory_rate=16, pulse=80, temperature="37.0", spo2=98
        )
    assert not Ticket.objects.exists() and not Routing.objects.filter(patient=at_home).exists()
    assert not sent_messages


def test_one_report_per_slot_the_second_replaces_it(at_home):
    services.report_record(patient=at_home, slot="am", spo2=98, respiratory_rate=16)
    services.report_record(patient=at_home, slot="am", spo2=97, respiratory_rate=17)
    assert list(Report.objects.filter(patient=at_home).values_list("spo2", flat=True)) == [97]


@pytest.mark.parametrize(
    ("field", "value"),
    [("spo2", "abc"), ("spo2", "101"), ("temperature", "nóng"), ("temperature", "99"), ("pulse", "-1")],
)
def test_bad_values_are_named(at_home, field, value):
    with pytest.raises(Invalid) as exc:
        services.report_record(patient=at_home, slot="am", **{field: value})
    assert exc.value.field == field


def test_only_patients_at_home_report(care, new_patient):
    p = new_patient(rr=22, spo2=95)
    r = services.routing_propose(patient=p, actor=care.officer)
    services.routing_decide(routing_id=r.pk, actor=care.coordinator, accept=True)
    p = services.patient_admit(patient=p, actor=care.coordinator)
    with pytest.raises(Conflict):
        services.report_record(patient=p, slot="am", spo2=98)


def test_missed_slots_are_flagged_once_after_midnight_in_vietnam(
    care, at_home, django_capture_on_commit_callbacks
):
    """At 00:40 ICT (17:40 UTC the day before) the evening slot of yesterday ended at 23:00 and today's
    morning slot has not ended: only yesterday's evening is missed (the patient went home yesterday)."""
    from epiqr.care.models import PatientHistory
    from epiqr.hotline.models import Ticket

    today = local_today()
    PatientHistory.objects.filter(patient=at_home).update(
        at=datetime.combine(today - timedelta(days=1), datetime.min.time(), tzinfo=VN_TZ).replace(hour=15)
    )
    services.report_record(
        patient=at_home, slot="am", day=today - timedelta(days=1), spo2=98, respiratory_rate=16
    )
    at = datetime.combine(today, datetime.min.time(), tzinfo=VN_TZ).replace(minute=40)
    with django_capture_on_commit_callbacks(execute=True):
        assert services.reports_flag_missed(at=at) == 1
    assert list(MissedReport.objects.values_list("day", "slot")) == [(today - timedelta(days=1), "pm")]
    ticket = Ticket.objects.get(person_id=at_home.person_id)
    assert ticket.system_key == f"care_report_missed:{at_home.person_id}:{today - timedelta(days=1)} pm"
    with django_capture_on_commit_callbacks(execute=True):
        assert services.reports_flag_missed(at=at + timedelta(minutes=10)) == 0
    assert Ticket.objects.count() == 1
