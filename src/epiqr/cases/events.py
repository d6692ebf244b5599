"""What the cases domain tells the others (epiqr.core.events; subscribe in your domain's flows.py)."""

from epiqr.core.events import Event

CASE_OPENED = Event(
    "case_opened",
    fields=("case_id", "source", "actor_id"),
    when="An F0 case was opened: by an officer, from the API, or from a lab's confirmed positive "
    "(source 'manual', 'api', 'lab', 'contact' or 'scan'); actor_id is the staff user or null.",
)
CASE_CANCELLED = Event(
    "case_cancelled",
    fields=("case_id", "reason", "actor_id"),
    when="An active case was cancelled as opened by mistake (an officer, or the lab corrected the "
    "positive result); the record stays, closed. actor_id is the staff user or null.",
)
CASE_ENDED = Event(
    "case_ended",
    fields=("case_id", "outcome", "actor_id"),
    when="An active case ended: the person recovered (released from isolation) or died (outcome "
    "'recovered' or 'deceased'; care's status machine reaching its end); actor_id is the staff user or null.",
)
