"""What the testing domain tells the others (epiqr.core.events; subscribe in your domain's flows.py)."""

from epiqr.core.events import Event

RESULT_RECORDED = Event(
    "result_recorded",
    fields=("tube_ids", "actor_id", "corrected"),
    when="Lab results were stored for these tubes (one entry, or one whole import) and their members' "
    "outcomes resolved; corrected is true when an earlier result of the tube was replaced. "
    "actor_id is the staff user or null.",
)
