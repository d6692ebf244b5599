"""Background work for check-ins: the daily-count rollup and the retention purge (django-tasks)."""

from datetime import timedelta

from django_tasks import task

from epiqr.core.timeutil import local_today

from .partitions import partitions_ensure
from .services import checkins_purge, venue_counts_rollup


@task()
def counts_refresh() -> int:
    """Roll up today's and yesterday's check-ins into VenueDailyCount (dashboards read these)."""
    today = local_today()
    return venue_counts_rollup(day=today - timedelta(days=1)) + venue_counts_rollup(day=today)


@task()
def purge() -> dict:
    """Delete check-ins and declarations older than EPIQR_RETENTION_DAYS; daily counts stay. Run daily."""
    report = checkins_purge()
    return {"checkins": report.checkins, "declarations": report.declarations, "days": report.days_rolled_up}


@task()
def partitions_create() -> list[str]:
    """PostgreSQL: the day partitions of the check-in table for today and the week ahead. Run daily."""
    return partitions_ensure()
