"""The registry's "F1 in quarantine" comes from the quarantine domain (its events, kept as checkpoints'
read model), not from tracing with a fixed 14 days: a 7-day quarantine under CV 10696 stops showing red
on its 8th day, one ended early stops at once, and a policy with no quarantine never shows red."""

from datetime import date, datetime, time, timedelta

import pytest

from epiqr.checkpoints.registry import quarantine_since
from epiqr.core import events
from epiqr.core.timeutil import VN_TZ
from epiqr.quarantine import policy as qp
from epiqr.quarantine.events import QUARANTINE_ENDED, QUARANTINE_STARTED
from tests.factories import PersonFactory


@pytest.fixture
def emit(django_capture_on_commit_callbacks):
    """Emit an event and deliver it as after the emitter's commit."""

    def send(event, **payload):
        with django_capture_on_commit_callbacks(execute=True):
            events.emit(event, **payload)

    return send


pytestmark = pytest.mark.django_db


def at(day: date, hour: int = 0, minute: int = 40) -> datetime:
    """A moment of that day, Vietnam time (00:40 by default: just past midnight, UTC's previous day)."""
    return datetime.combine(day, time(hour, minute), VN_TZ)


def test_a_7_day_quarantine_under_cv_10696_ends_the_flag_on_day_8(commune, emit):
    """Hoa (made up), fully vaccinated in autumn 2021, last met an F0 on 3 January 2022: CV 10696 gives
    her 7 days of quarantine (4 to 10 January) and 7 of self-monitoring; the checkpoint shows her red on
    each of the 7 days, no longer from 00:40 on the 8th, nor during the self-monitoring."""
    hoa = PersonFactory(full_name="Đinh Thị Hoa", commune=commune)
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
        QUARANTINE_STARTED,
        quarantine_id=501,
        person_id=hoa.pk,
        start=plan.start.isoformat(),
        end=plan.end.isoformat(),
        follow_until=plan.monitor_until.isoformat(),
    )
    assert quarantine_since(person_id=hoa.pk, at=at(date(2022, 1, 3), 23, 59)) is None
    for n in range(7):
        assert quarantine_since(person_id=hoa.pk, at=at(plan.start + timedelta(days=n))) == plan.start, n
    assert quarantine_since(person_id=hoa.pk, at=at(plan.start + timedelta(days=7))) is None  # day 8
    assert quarantine_since(person_id=hoa.pk, at=at(plan.monitor_until)) is None


def test_a_quarantine_ended_early_ends_the_flag_at_once(commune, emit):
    lan = PersonFactory(full_name="Vi Thị Lan", commune=commune)
    emit(
        QUARANTINE_STARTED, quarantine_id=502, person_id=lan.pk, start="2022-01-04", end="2022-01-17",
        follow_until="2022-01-31",
    )  # fmt: skip
    assert quarantine_since(person_id=lan.pk, at=at(date(2022, 1, 6), 9)) == date(2022, 1, 4)
    emit(QUARANTINE_ENDED, quarantine_id=502, person_id=lan.pk, ended_on="2022-01-06", reason="ruled_out")
    assert quarantine_since(person_id=lan.pk, at=at(date(2022, 1, 6), 9, 5)) is None
    assert quarantine_since(person_id=lan.pk, at=at(date(2022, 1, 12))) is None


def test_a_policy_with_no_quarantine_never_shows_red(commune, emit):
    """CV 1909 (from 15/4/2022): self-monitoring only; the event says `end` null."""
    minh = PersonFactory(full_name="Lò Văn Minh", commune=commune)
    emit(
        QUARANTINE_STARTED, quarantine_id=503, person_id=minh.pk, start="2022-05-02", end=None,
        follow_until="2022-05-11",
    )  # fmt: skip
    assert quarantine_since(person_id=minh.pk, at=at(date(2022, 5, 2), 10)) is None
