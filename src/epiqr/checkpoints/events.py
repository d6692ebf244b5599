"""What the checkpoints domain tells the others (epiqr.core.events; subscribe in your domain's flows.py)."""

from epiqr.core.events import Event

PERMIT_REVOKED = Event(
    "permit_revoked",
    fields=("permit_id", "reason", "actor_id"),
    when="An approved movement permit was revoked by an officer; it is in the published revocation list.",
)
PASSAGE_RED = Event(
    "passage_red",
    fields=("passage_id", "checkpoint_id", "reasons"),
    when="Someone the population registry shows red (an active case, an F1 in quarantine: `reasons`) was "
    "checked at a checkpoint, by an officer's phone or a checkpoint camera.",
)
