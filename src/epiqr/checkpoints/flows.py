"""Reactions of checkpoints to the others' events: the quarantine domain's quarantines kept as a small
read model (models.QuarantineFlag), so the registry shows an F1 red for exactly the days of their
quarantine under the policy that placed it (14, 7 or 5 days, or none), and no longer once it ended."""

from datetime import date

from epiqr.core import events

from .models import QuarantineFlag


@events.on("quarantine_started")
def flag_quarantine(
    *, quarantine_id: int, person_id: int, start: str, end: str | None, follow_until: str
) -> None:
    """A contact placed in quarantine: flagged from its first to its last day of quarantine."""
    QuarantineFlag.objects.update_or_create(
        quarantine_id=quarantine_id,
        defaults={
            "person_id": person_id,
            "start": date.fromisoformat(start),
            "end": date.fromisoformat(end) if end else None,
        },
    )


@events.on("quarantine_ended")
def unflag_quarantine(*, quarantine_id: int, person_id: int, ended_on: str, reason: str) -> None:
    """A quarantine ended (its days over, ended early by the officer, or a case now): the flag ends that day."""
    QuarantineFlag.objects.filter(quarantine_id=quarantine_id, ended_on__isnull=True).update(
        ended_on=date.fromisoformat(ended_on)
    )
