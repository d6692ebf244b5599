"""The check-in rules that need no table: windows, time bounds, visit keys and the values devices send.

- Repeated scans of one person at one venue within DUPLICATE_WINDOW are one visit (the queue at the door
  scans twice, the scanner bounces); the later scan answers "already checked in".
- A scan time may lie at most CLOCK_SKEW in the future (device clocks drift) and no further back than the
  retention period (older data would be purged at once and cannot help tracing).
- Live scans get a server-made key per visit slot (`visit_key`), so two stations scanning one person at
  the same instant store one row.
- Times are stored as UTC whatever offset a device wrote; without an offset a time is Vietnam time.
"""

import hashlib
import re
import uuid
from datetime import UTC, datetime, timedelta

from django.conf import settings
from django.utils.translation import gettext as _

from epiqr.core.errors import Invalid
from epiqr.core.timeutil import aware, now, parse_local

DUPLICATE_WINDOW = timedelta(minutes=5)
CLOCK_SKEW = timedelta(minutes=10)
MAX_BATCH_ITEMS = 1000
MAX_PAYLOAD_CHARS = 2000

# Live scans get a server-made idempotency key: one per (venue, person, 5-minute slot). Two stations
# scanning the same person at the same instant collide on it and store one row.
VISIT_NAMESPACE = uuid.UUID("0b7e2f4e-5d0c-4b0a-9f3e-6c1d2a9b8e77")


def retention_days() -> int:
    return int(settings.EPIQR_RETENTION_DAYS)


def checkin_time_check(*, at: datetime, current: datetime | None = None) -> datetime:
    """The scan time as aware UTC, or Invalid when it is in the future or older than retention."""
    current = current or now()
    at = aware(at)
    if at > current + CLOCK_SKEW:
        raise Invalid(
            _("The scan time is in the future; check the device clock."), code="future", field="scanned_at"
        )
    if at < current - timedelta(days=retention_days()):
        raise Invalid(
            _("The scan is older than the retention period (%(days)s days) and cannot be stored.")
            % {"days": retention_days()},
            code="too_old",
            field="scanned_at",
        )
    return at.astimezone(UTC)


def _visit_slot(at: datetime) -> int:
    return int(at.timestamp()) // int(DUPLICATE_WINDOW.total_seconds())


def visit_key(*, venue_id: int, person_id: int, at: datetime) -> uuid.UUID:
    # The MD5 of the namespace and the name, read as a UUID: PostgreSQL makes the same key inside the
    # one-statement scan (`visit_key_sql`) with a bare md5() and a cast.
    name = f"{VISIT_NAMESPACE}|{venue_id}|{person_id}|{_visit_slot(at)}"
    return uuid.UUID(hashlib.md5(name.encode(), usedforsecurity=False).hexdigest())


def payload_clean(payload: str) -> str:
    if payload is not None and not isinstance(payload, str):
        raise Invalid(_("The scanned payload must be text."), code="bad_payload", field="payload")
    payload = (payload or "").strip()
    if not payload:
        raise Invalid(_("Nothing was scanned."), code="empty", field="payload")
    if len(payload) > MAX_PAYLOAD_CHARS:
        raise Invalid(_("The scanned text is too long to be an ID card or personal QR."), code="too_long")
    return payload


def parse_bool(value) -> bool | None:
    if value is None or value == "":
        return None
    if isinstance(value, bool):
        return value
    text = str(value).strip().lower()
    if text in {"1", "true", "yes", "y", "co", "có"}:
        return True
    if text in {"0", "false", "no", "n", "khong", "không"}:
        return False
    raise Invalid(_("has_symptoms must be true or false."), code="bad_symptoms", field="has_symptoms")


def parse_time(value) -> datetime:
    """A scan time as written by devices, spreadsheets and exports (core.timeutil.parse_local: ISO 8601,
    naive means Vietnam time), or Invalid."""
    try:
        return parse_local(value)
    except ValueError:
        raise Invalid(
            _("The scan time is missing or not an ISO 8601 time."), code="bad_time", field="scanned_at"
        ) from None


def scan_time_parse(value) -> datetime:
    """A scan time as sent by a device: ISO 8601 text (without an offset it is Vietnam time)."""
    if not isinstance(value, str):
        raise Invalid(
            _("The scan time is missing or not an ISO 8601 time."), code="bad_time", field="scanned_at"
        )
    return parse_time(value)


# A UUID as canonical text (lower case, with dashes): what devices send, compared as text without parsing.
UUID_TEXT = re.compile(r"[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}")


def parse_uuid(value, *, field_name: str, code: str) -> uuid.UUID:
    try:
        return value if isinstance(value, uuid.UUID) else uuid.UUID(str(value))
    except (ValueError, TypeError, AttributeError) as exc:
        raise Invalid(_("%(field)s is missing or not a UUID.") % {"field": field_name}, code=code) from exc
