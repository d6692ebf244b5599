"""What the cameras tell the others (epiqr.core.events; subscribe in your domain's flows.py)."""

from epiqr.core.events import Event

CAMERA_ALERT = Event(
    "camera_alert",
    fields=("alert_id", "camera_id", "kind", "commune_id", "person_id", "people", "at"),
    when="A camera raised an alert (at most one per camera and kind every `alert_every_minutes`): kind "
    "'crowd' (the count stayed above the threshold; people the count), 'door' (movement through the door "
    "of a household in quarantine; person_id the person behind it, or null) or 'passage' (a code refused "
    "at a checkpoint camera); at is the frame's ISO time. Read the alert with cameras.selectors.alert_get.",
)
