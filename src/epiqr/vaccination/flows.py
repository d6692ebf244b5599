"""Reactions of vaccination to the others' events: the quarantine domain's quarantines kept as a small
read model (models.QuarantineDays), so the health status shows an F1 red for exactly the days of their
quarantine under the policy that placed it (14, 7 or 5 days, or none), and no longer once it ended."""

from datetime import date

from epiqr.core import events

from .models import QuarantineDays


@events.on("quarantine_started")
def keep_quarantine_days(
    *, quarantine_id: int, person_id: int, start: str, end: str | None, follow_until: str
) -> None:
    """A contact placed in quarantine: red from its first to its last day of quarantine."""
    QuarantineDays.objects.update_or_create(
        quarantine_id=quarantine_id,
        defaults={
            "person_id": person_id,
            "start": date.fromisoformat(start),
            "end": date.fromisoformat(end) if end else None,
        },
    )


@events.on("quarantine_ended")
def end_quarantine_days(*, quarantine_id: int, person_id: int, ended_on: str, reason: str) -> None:
    """A quarantine ended (its days over, ended early by the officer, or a case now): no longer red from
    that day."""
    QuarantineDays.objects.filter(quarantine_id=quarantine_id, ended_on__isnull=True).update(
        ended_on=date.fromisoformat(ended_on)
    )
