"""Stories of the quarantine follow-up: placed when tracing's follow-up reaches 'quarantined', the
diary, the call log, a positive contact made a case in one step, the end of the days."""

from datetime import timedelta

import pytest

from epiqr.core.errors import Conflict, Invalid, NotFound
from epiqr.core.timeutil import local_today
from epiqr.quarantine import services
from epiqr.quarantine.models import Quarantine, Status


def test_a_contact_put_in_quarantine_by_the_officer_gets_its_days_by_the_policy_in_force(
    quarantined, qworld, settings
):
    q = quarantined
    assert q.person_id == qworld["binh"].person_id and q.source_case_id == qworld["case"].pk
    assert q.placed_by_id == qworld["officer"].pk
    # Today (2026 and after): CV 1909/BYT-DP, no quarantine, 10 days of self-monitoring.
    assert q.policy == "vn-2022-04-cv1909" and q.end is None
    assert q.last_exposure == qworld["exposed_on"]
    assert q.follow_until == qworld["exposed_on"] + timedelta(days=10)
    assert q.status == Status.ACTIVE


def test_a_named_policy_gives_quarantine_and_test_days_counted_from_the_last_exposure(qworld, settings):
    settings.EPIQR_QUARANTINE_POLICY = "vn-2021-07-cv5599"
    q = services.quarantine_place(contact_id=qworld["chi"].pk, actor=qworld["officer"])
    d0 = qworld["exposed_on"]
    assert (q.start, q.end, q.follow_until) == (d0 + timedelta(1), d0 + timedelta(14), d0 + timedelta(28))
    assert q.test_days == [(d0 + timedelta(k)).isoformat() for k in (1, 7, 14)]
    assert [r["code"] for r in q.reasons] == ["policy", "quarantine", "monitoring", "tests"]
    # Placing it again gives the same quarantine.
    assert services.quarantine_place(contact_id=qworld["chi"].pk, actor=qworld["officer"]).pk == q.pk
    assert Quarantine.objects.count() == 1


def test_vaccination_comes_from_the_vaccination_domain(qworld, settings):
    from epiqr.vaccination.models import Dose

    settings.EPIQR_QUARANTINE_POLICY = "vn-2022-02-cv762"
    person = qworld["chi"].person
    today = local_today()
    for n, ago in ((1, 120), (2, 60)):
        Dose.objects.create(
            person=person, number=n, series_doses=2, product="PFIZER", given_at=_at(today - timedelta(ago))
        )
    q = services.quarantine_place(contact_id=qworld["chi"].pk, actor=qworld["officer"])
    assert q.regime == "reduced" and q.end == qworld["exposed_on"] + timedelta(5)
    assert q.reasons[1]["code"] == "vaccinated" and q.reasons[1]["values"]["doses"] == 2


def _at(day):
    from datetime import datetime

    from epiqr.core.timeutil import VN_TZ

    return datetime(day.year, day.month, day.day, 9, tzinfo=VN_TZ)


def test_an_officer_cannot_place_a_contact_of_another_commune(qworld):
    with pytest.raises(Invalid):
        services.quarantine_place(contact_id=qworld["dung"].pk, actor=qworld["officer"])
    assert not Quarantine.objects.exists()


def test_the_diary_flags_symptoms_tells_the_officers_and_emits_the_event(
    quarantined, qworld, sent_messages, django_capture_on_commit_callbacks
):
    quiet = services.diary_record(quarantine=quarantined, actor=None, source="self", temperature="36.8")
    assert quiet.symptoms == [] and not sent_messages
    with django_capture_on_commit_callbacks(execute=True) as callbacks:
        entry = services.diary_record(
            quarantine=quarantined, actor=None, source="self", symptoms=["cough"], temperature="38.2"
        )
    assert entry.symptoms == ["fever", "cough"]  # 38.2 °C counts as fever
    assert Quarantine.objects.get(pk=quarantined.pk).symptoms_at is not None
    assert any(f"#{quarantined.pk}" in m.body for m in sent_messages)
    assert callbacks  # quarantine_symptoms delivered after commit
    # One entry per day: the second replaced the first.
    assert quarantined.diary.count() == 1


@pytest.mark.parametrize(
    "kw, field",
    [
        ({"symptoms": ["plague"]}, "symptoms"),
        ({"temperature": "hot"}, "temperature"),
        ({"temperature": "99"}, "temperature"),
        ({"day": "future"}, "day"),
        ({"day": "before"}, "day"),
    ],
)
def test_the_diary_refuses_what_it_cannot_store(quarantined, kw, field):
    if kw.get("day") == "future":
        kw["day"] = local_today() + timedelta(days=1)
    elif kw.get("day") == "before":
        kw["day"] = quarantined.start - timedelta(days=1)
    with pytest.raises(Invalid) as exc:
        services.diary_record(quarantine=quarantined, actor=None, source="self", **kw)
    assert exc.value.field == field


def test_a_call_is_logged_only_by_an_officer_of_the_area(quarantined, qworld):
    call = services.call_record(quarantine=quarantined, actor=qworld["officer"], outcome="reached", note="ổn")
    assert call.by == qworld["officer"]
    with pytest.raises(NotFound):
        services.call_record(quarantine=quarantined, actor=qworld["elsewhere"], outcome="reached")
    with pytest.raises(NotFound):
        services.diary_record(quarantine=quarantined, actor=qworld["elsewhere"], source="call")
    assert quarantined.calls.count() == 1 and quarantined.diary.count() == 0


def test_a_positive_contact_becomes_a_case_in_one_step_keeping_the_f0(
    quarantined, qworld, django_capture_on_commit_callbacks
):
    from epiqr.tracing.models import Contact, FollowUp

    with django_capture_on_commit_callbacks(execute=True):
        case = services.quarantine_open_case(quarantine=quarantined, actor=qworld["officer"])
    q = Quarantine.objects.get(pk=quarantined.pk)
    assert q.status == Status.BECAME_CASE and q.new_case == case and q.source_case == qworld["case"]
    contact = Contact.objects.get(pk=qworld["binh"].pk)
    assert contact.status == FollowUp.POSITIVE and contact.new_case == case
    assert case.source == "contact" and case.person_id == q.person_id
    with pytest.raises(Conflict):
        services.quarantine_open_case(quarantine=q, actor=qworld["officer"])


def test_a_lab_case_ends_the_quarantine_as_a_case(quarantined, qworld, django_capture_on_commit_callbacks):
    from epiqr.cases.services import case_open

    with django_capture_on_commit_callbacks(execute=True):
        case = case_open(person=qworld["binh"].person, confirmed_on=local_today(), source="lab")
    q = Quarantine.objects.get(pk=quarantined.pk)
    assert q.status == Status.BECAME_CASE and q.new_case == case


def test_the_daily_sweep_ends_quarantines_whose_days_are_over(quarantined):
    assert services.quarantines_complete(today=quarantined.follow_until) == 0
    assert services.quarantines_complete(today=quarantined.follow_until + timedelta(days=1)) == 1
    assert Quarantine.objects.get(pk=quarantined.pk).status == Status.ENDED


def test_the_lists_find_who_is_due_a_test_today_and_who_missed_a_day(qworld, settings):
    from datetime import datetime

    from epiqr.core.timeutil import VN_TZ
    from epiqr.quarantine.selectors import QUARANTINES, quarantine_days, quarantine_list_visible_to
    from epiqr.tracing.models import Contact

    settings.EPIQR_QUARANTINE_POLICY = "vn-2021-07-cv5599"  # tests on days 1, 7 and 14
    yesterday = local_today() - timedelta(days=1)
    at = datetime(yesterday.year, yesterday.month, yesterday.day, 23, 50, tzinfo=VN_TZ)  # late: ICT
    Contact.objects.filter(pk=qworld["binh"].pk).update(first_exposed_at=at)
    due = services.quarantine_place(contact_id=qworld["binh"].pk, actor=qworld["officer"])
    assert due.last_exposure == yesterday and due.test_days[0] == local_today().isoformat()
    other = services.quarantine_place(
        contact_id=qworld["chi"].pk, actor=qworld["officer"]
    )  # exposed 2 days ago
    officer = qworld["officer"]

    def ids(**params):
        qs = quarantine_list_visible_to(user=officer)
        return {q.pk for q in QUARANTINES.get(qs, params, user=officer).items}

    assert ids(todo="due_test") == {due.pk}
    assert ids(todo="no_diary") == {due.pk, other.pk}
    services.diary_record(quarantine=other, actor=None, source="self")
    assert ids(todo="no_diary") == {due.pk}
    # Chi's first day (yesterday) has no diary: missed; today is filled; tomorrow is to come.
    days = {d.day: d for d in quarantine_days(quarantine=other)}
    assert days[yesterday].missed and not days[local_today()].missed
    assert not days[local_today() + timedelta(days=1)].missed
    assert ids(todo="in_quarantine") == {due.pk, other.pk}
    assert ids(q="binh") == {due.pk}
