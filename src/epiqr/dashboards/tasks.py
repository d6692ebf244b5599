"""Background work of the dashboards (django-tasks)."""

from datetime import timedelta

from django_tasks import task

from epiqr.core.timeutil import local_today


@task()
def nightly() -> int:
    """Rebuild the last 14 days' counts (late results, onsets typed later) and grade today's levels."""
    from .services import day_counts_refresh, levels_recompute

    today = local_today()
    day_counts_refresh(days={today - timedelta(days=i) for i in range(14)})
    return levels_recompute(day=today, trigger="daily")
