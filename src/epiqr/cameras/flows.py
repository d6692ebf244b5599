"""Reactions of the cameras to the quarantine of contacts (events of the quarantine domain, subscribed by
name: cameras does not import it): a quarantine-zone camera whose door is a quarantined person's watches
the door until the last day of their quarantine, and stops when it ends."""

from datetime import date, datetime, time, timedelta

from epiqr.core import events
from epiqr.core.timeutil import VN_TZ, now

from .models import Camera, CameraKind


@events.on("quarantine_started")
def watch_the_door(*, quarantine_id: int, person_id: int, start: str, end: str | None, follow_until: str):
    """Movement through the person's door raises alerts until the end of their last day of quarantine
    (local time); a policy with no quarantine (self-monitoring only) watches nothing."""
    if end is None:
        return
    until = datetime.combine(date.fromisoformat(end) + timedelta(days=1), time(0), VN_TZ)
    Camera.objects.filter(household_id=person_id, kind=CameraKind.QUARANTINE).update(quarantine_until=until)


@events.on("quarantine_ended")
def stop_watching(*, quarantine_id: int, person_id: int, ended_on: str, reason: str):
    """The quarantine ended early (a case, the officer's decision) or on time: the door is not watched."""
    Camera.objects.filter(
        household_id=person_id, kind=CameraKind.QUARANTINE, quarantine_until__gt=now()
    ).update(quarantine_until=now())
