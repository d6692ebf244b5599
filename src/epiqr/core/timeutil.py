"""Time is stored in UTC and shown in Asia/Ho_Chi_Minh."""

from datetime import UTC, datetime, timedelta
from zoneinfo import ZoneInfo

from django.utils import timezone

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


def iso_utc(dt: datetime | None) -> str | None:
    """A moment as ISO 8601 in UTC with a "Z" (what the API and the open feeds give), None for none."""
    return dt.astimezone(UTC).isoformat().replace("+00:00", "Z") if dt else None


__all__ = ["VN_TZ", "now", "local", "local_today", "start_of_local_day", "aware", "iso_utc", "timedelta"]
