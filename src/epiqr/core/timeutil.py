"""Time is stored in UTC and shown in Asia/Ho_Chi_Minh."""

from datetime import UTC, date, datetime, time, timedelta
from zoneinfo import ZoneInfo

from django.utils import timezone
from django.utils.dateparse import parse_datetime

VN_TZ = ZoneInfo("Asia/Ho_Chi_Minh")


def now() -> datetime:
    return timezone.now()


def local(dt: datetime) -> datetime:
    return dt.astimezone(VN_TZ)


def local_today():
    return local(now()).date()


def start_of_local_day(day) -> datetime:
    return datetime(day.year, day.month, day.day, tzinfo=VN_TZ)


def aware(dt: datetime) -> datetime:
    """Treat a naive datetime as Vietnam local time (what a scanner or a spreadsheet means)."""
    return dt if dt.tzinfo else dt.replace(tzinfo=VN_TZ)


# How people write a moment in a spreadsheet besides ISO 8601 (Vietnam time): day first.
SHEET_FORMATS = (
    "%d/%m/%Y %H:%M:%S",
    "%d/%m/%Y %H:%M",
    "%d/%m/%Y",
    "%d-%m-%Y %H:%M:%S",
    "%d-%m-%Y %H:%M",
    "%d-%m-%Y",
)


def parse_local(value, *, formats: tuple[str, ...] = ()) -> datetime:
    """The one reader of moments people and devices write, always aware: ISO 8601 text (with any offset;
    without one it is Vietnam time), else one of `formats` (strptime, Vietnam time: `SHEET_FORMATS` for
    sheets); a datetime as it is (naive: Vietnam time), a date as its local midnight. ValueError for
    anything else, a NUL character included (CPython's parsers stop at one: "10:20\x00junk" is no time)
    and a well-formed impossible moment (31 February). Callers turn the ValueError into their message."""
    if isinstance(value, datetime):
        return aware(value)
    if isinstance(value, date):
        return datetime.combine(value, time.min, tzinfo=VN_TZ)
    if not isinstance(value, str) or "\x00" in value:
        raise ValueError(value)
    text = value.strip()
    try:
        return aware(datetime.fromisoformat(text))
    except ValueError:
        pass
    try:
        parsed = parse_datetime(text)
    except ValueError:
        parsed = None
    if parsed is not None:
        return aware(parsed)
    for fmt in formats:
        try:
            return aware(datetime.strptime(text, fmt))
        except ValueError:
            continue
    raise ValueError(text)


def iso_utc(dt: datetime | None) -> str | None:
    """A moment as ISO 8601 in UTC with a "Z" (what the API and the open feeds give), None for none."""
    return dt.astimezone(UTC).isoformat().replace("+00:00", "Z") if dt else None


__all__ = [
    "VN_TZ",
    "now",
    "local",
    "local_today",
    "start_of_local_day",
    "aware",
    "iso_utc",
    "parse_local",
    "SHEET_FORMATS",
    "timedelta",
]
