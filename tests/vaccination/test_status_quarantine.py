"""The health status's "F1 in quarantine" comes from the quarantine domain (its events, kept as
vaccination's read model QuarantineDays), not from tracing with a fixed 14 days: a 7-day quarantine under
CV 10696 stops showing red on its 8th day in Vietnam time (checked at 00:40, when UTC is still on the day
before), one ended early stops at once, and a policy with no quarantine never shows red."""

from datetime import date, datetime, time, timedelta

import pytest
from django.utils import timezone

from epiqr.core import events
from epiqr.core.permissions import Role
from epiqr.core.timeutil import VN_TZ, local_today
from epiqr.quarantine import policy as qp
from epiqr.quarantine.events import QUARANTINE_ENDED, QUARANTINE_STARTED
from epiqr.vaccination.selectors import person_status
from tests.factories import VenueFactory

pytestmark = pytest.mark.django_db


@pytest.fixture
def emit(django_capture_on_commit_callbacks):
    """Emit an event and deliver it as after the emitter's commit."""

    def send(event, **payload):
        with django_capture_on_commit_callbacks(execute=True):
            events.emit(event, **payload)

    return send


def at(day: date, hour: int = 0, minute: int = 40) -> datetime:
    """A moment of that day, Vietnam time (00:40 by default: just past midnight, UTC's previous day)."""
    return datetime.combine(day, time(hour, minute), VN_TZ)


def colour(person, moment: datetime) -> str:
    return person_status(person_id=person.pk, at=moment).colour


def test_a_7_day_quarantine_under_cv_10696_is_red_for_7_days_and_not_on_day_8(make_person, vaccinator, emit):
    """Hoa (made up), two Pfizer doses in autumn 2021, last met an F0 on 3 January 2022: CV 10696 gives
    her 7 days of quarantine (4 to 10 January) then 7 of self-monitoring. Her status is red "F1 in
    quarantine until 10/01" on each of the 7 days, from 00:40; from 00:40 on the 8th day it is her
    vaccination's green again, self-monitoring or not."""
    from epiqr.vaccination.models import DoseSource
    from epiqr.vaccination.services import dose_record

    hoa = make_person(full_name="Đinh Thị Hoa")
    for day in (date(2021, 9, 1), date(2021, 10, 1)):
        dose_record(
            person=hoa, product="PFIZER", given_at=at(day, 9), source=DoseSource.IMPORT, actor=vaccinator
        )
    plan = qp.plan(
        qp.policy_named("vn-2021-12-cv10696"),
        qp.Facts(
            last_exposure=date(2022, 1, 3),
            doses=(date(2021, 9, 1), date(2021, 10, 1)),
            primary_complete_on=date(2021, 10, 1),
        ),
    )
    assert plan.regime.code == "reduced" and (plan.start, plan.end) == (date(2022, 1, 4), date(2022, 1, 10))
    emit(
        QUARANTINE_STARTED, quarantine_id=601, person_id=hoa.pk, start=plan.start.isoformat(),
        end=plan.end.isoformat(), follow_until=plan.monitor_until.isoformat(),
    )  # fmt: skip
    assert colour(hoa, at(date(2022, 1, 3), 23, 59)) == "green"  # the day of the exposure
    for n in range(7):
        found = person_status(person_id=hoa.pk, at=at(plan.start + timedelta(days=n)))
        assert (found.colour, found.reasons[0].code, found.until) == ("red", "f1_quarantine", plan.end), n
    assert colour(hoa, at(plan.end, 23, 59)) == "red"
    assert colour(hoa, at(plan.start + timedelta(days=7))) == "green"  # day 8, 00:40
    assert colour(hoa, at(plan.monitor_until)) == "green"  # self-monitoring is not quarantine


def test_a_quarantine_ended_early_stops_showing_at_once(make_person, emit):
    """Lan (made up) was placed for 14 days from 4 January; on the 6th at 09:00 the officer rules her out:
    red at 09:00, grey (nothing else known) at 09:05 and afterwards."""
    lan = make_person(full_name="Vi Thị Lan")
    emit(
        QUARANTINE_STARTED, quarantine_id=602, person_id=lan.pk, start="2022-01-04", end="2022-01-17",
        follow_until="2022-01-31",
    )  # fmt: skip
    assert colour(lan, at(date(2022, 1, 6), 9)) == "red"
    emit(QUARANTINE_ENDED, quarantine_id=602, person_id=lan.pk, ended_on="2022-01-06", reason="ruled_out")
    assert colour(lan, at(date(2022, 1, 6), 9, 5)) == "grey"
    assert colour(lan, at(date(2022, 1, 12))) == "grey"


def test_a_policy_with_no_quarantine_never_shows_red(make_person, emit):
    """CV 1909 (from 15/4/2022): self-monitoring only; the event says `end` null."""
    minh = make_person(full_name="Lò Văn Minh")
    emit(
        QUARANTINE_STARTED, quarantine_id=603, person_id=minh.pk, start="2022-05-02", end=None,
        follow_until="2022-05-11",
    )  # fmt: skip
    assert colour(minh, at(date(2022, 5, 2), 10)) == "grey"


def test_a_venue_that_refuses_red_turns_away_an_f1_at_0040_vietnam_time(
    commune, make_user, make_person, qr, emit, monkeypatch
):
    """At 00:40 Vietnam time (17:40 UTC the day before) on the last day of a 7-day quarantine, a venue
    that refuses a red status turns the F1 away with the day the quarantine ends; at 00:40 the next day
    the same scan is admitted. A venue without the rule admits him throughout."""
    from epiqr.checkins.models import CheckIn
    from epiqr.checkins.services import checkin_scan
    from epiqr.vaccination.services import door_rule_set

    owner = make_user(Role.VENUE_OWNER)
    strict, relaxed = VenueFactory(commune=commune, owner=owner), VenueFactory(commune=commune, owner=owner)
    f1 = make_person(full_name="Tô Văn Kiên")
    last = local_today() + timedelta(days=1)
    emit(
        QUARANTINE_STARTED, quarantine_id=604, person_id=f1.pk, start=(last - timedelta(days=6)).isoformat(),
        end=last.isoformat(), follow_until=(last + timedelta(days=7)).isoformat(),
    )  # fmt: skip
    door_rule_set(venue=strict, refuse_red=True, actor=owner)
    monkeypatch.setattr(timezone, "now", lambda: at(last))
    refused = checkin_scan(venue_id=strict.pk, payload=qr(f1), actor=owner)
    assert refused.status == "refused" and refused.reason_code == "health_status"
    assert "F1" in refused.reason and f"{last:%d/%m/%Y}" in refused.reason
    assert not CheckIn.objects.filter(venue=strict, person=f1).exists()
    assert checkin_scan(venue_id=relaxed.pk, payload=qr(f1), actor=owner).status == "ok"  # no rule there
    monkeypatch.setattr(timezone, "now", lambda: at(last + timedelta(days=1)))
    assert checkin_scan(venue_id=strict.pk, payload=qr(f1), actor=owner).status == "ok"
