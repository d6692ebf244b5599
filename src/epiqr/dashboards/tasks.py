"""Background work of the dashboards (django-tasks)."""

from datetime import timedelta

from django_tasks import task

from epiqr.core.timeutil import local_today


@task()
def nightly() -> int:
    """Rebuild the last 14 days' counts (late results, onsets typed later, check-ins rolled up late) and the
    active cases of every commune (a case changed outside the services), and grade today's levels."""
    from .services import active_counts_refresh, activity_refresh, day_counts_refresh, levels_recompute

    today = local_today()
    days = {today - timedelta(days=i) for i in range(14)}
    day_counts_refresh(days=days)
    activity_refresh(days=days)
    active_counts_refresh()
    return levels_recompute(day=today, trigger="daily")


@task()
def now_refresh() -> dict:
    """Every few minutes: today's and yesterday's activity (after the check-ins rollup), the occupancy of
    venues now and the clusters on the map."""
    from .services import activity_refresh, clusters_refresh, occupancy_refresh

    today = local_today()
    return {
        "activity": activity_refresh(days={today, today - timedelta(days=1)}),
        "occupancy": occupancy_refresh(),
        "clusters": clusters_refresh(),
    }


@task()
def coverage() -> int:
    """Hourly: the copy of the vaccination coverage by commune and age band."""
    from .services import coverage_refresh

    return coverage_refresh()
