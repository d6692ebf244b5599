"""A missed diary day is chased by the hourly sweep, Vietnam time: a reminder to the contact's phone once
per missed day; after two days running without an entry, `quarantine_diary_missed` once and the officers
told. The sweep runs at 00:40 ICT (17:40 UTC the day before) with a fake clock."""

from datetime import UTC, datetime, time, timedelta

import pytest

from epiqr.core import events, timeutil
from epiqr.core.timeutil import VN_TZ
from epiqr.quarantine import services
from epiqr.quarantine.models import History


@pytest.fixture
def emitted(monkeypatch):
    """The events emitted (each still delivered as usual)."""
    seen = []
    real = events.emit

    def spy(event, **payload):
        seen.append((event.name, payload))
        return real(event, **payload)

    monkeypatch.setattr(events, "emit", spy)
    return seen


def at_0040(day):
    return datetime.combine(day, time(0, 40), VN_TZ)


def test_a_missed_day_is_reminded_once_and_two_tell_the_officer_once(
    qworld, settings, monkeypatch, sent_messages, emitted
):
    settings.EPIQR_QUARANTINE_POLICY = "vn-2021-07-cv5599"  # 14 days of quarantine, a diary each day
    q = services.quarantine_place(contact_id=qworld["chi"].pk, actor=qworld["officer"])
    clock = {"now": at_0040(q.start + timedelta(days=1))}
    monkeypatch.setattr(timeutil, "now", lambda: clock["now"])
    assert clock["now"].astimezone(VN_TZ).date() != clock["now"].astimezone(UTC).date()

    # 00:40 on day 2: day 1 is over without an entry: one reminder, no alert yet.
    assert services.diaries_chase() == {"reminders": 1, "alerts": 0}
    reminders = [m for m in sent_messages if m.recipient == "0912345678"]
    assert len(reminders) == 1 and q.start.strftime("%d/%m/%Y") in reminders[0].body
    clock["now"] += timedelta(minutes=60)  # the next hourly run: nothing again
    assert services.diaries_chase() == {"reminders": 0, "alerts": 0}

    # 00:40 on day 3: day 2 missed too: its reminder, and the officers are told once.
    clock["now"] = at_0040(q.start + timedelta(days=2))
    before = len(sent_messages)
    assert services.diaries_chase() == {"reminders": 1, "alerts": 1}
    new = sent_messages[before:]
    assert any(m.recipient == "tram@example.test" and f"#{q.pk}" in m.body for m in new)
    missed = [p for name, p in emitted if name == "quarantine_diary_missed"]
    assert missed == [
        {
            "quarantine_id": q.pk,
            "person_id": q.person_id,
            "days": [q.start.isoformat(), (q.start + timedelta(days=1)).isoformat()],
        }
    ]
    assert services.diaries_chase() == {"reminders": 0, "alerts": 0}

    # The contact writes on day 3; day 4 goes silent alone: a reminder only, no new alert.
    services.diary_record(quarantine=q, actor=None, source="self", day=q.start + timedelta(days=2))
    clock["now"] = at_0040(q.start + timedelta(days=4))
    assert services.diaries_chase() == {"reminders": 1, "alerts": 0}
    # ... and day 5 too: a new silence of two days, told again once.
    clock["now"] = at_0040(q.start + timedelta(days=5))
    assert services.diaries_chase() == {"reminders": 1, "alerts": 1}
    assert History.objects.filter(quarantine=q, kind="diary_missed").count() == 2
    assert History.objects.filter(quarantine=q, kind="reminder").count() == 4


def test_no_chase_before_the_first_day_is_over_nor_for_an_ended_quarantine(qworld, settings, monkeypatch):
    settings.EPIQR_QUARANTINE_POLICY = "vn-2021-07-cv5599"
    q = services.quarantine_place(contact_id=qworld["chi"].pk, actor=qworld["officer"])
    monkeypatch.setattr(timeutil, "now", lambda: at_0040(q.start))  # day 1 has just begun
    assert services.diaries_chase() == {"reminders": 0, "alerts": 0}
    services.quarantine_end(quarantine=q, actor=qworld["officer"], reason="ended_by_officer")
    monkeypatch.setattr(timeutil, "now", lambda: at_0040(q.start + timedelta(days=5)))
    assert services.diaries_chase() == {"reminders": 0, "alerts": 0}
