from datetime import timedelta

from epiqr.core.scheduler import jobs, jobs_run_due
from epiqr.core.timeutil import now


def test_the_retention_purge_and_the_count_rollup_are_scheduled():
    names = {job.name: job.every for job in jobs()}
    assert names["checkins.purge"] == timedelta(days=1)
    assert "checkins.counts_refresh" in names


def test_a_daily_job_runs_once_a_day_however_often_the_scheduler_wakes(db):
    start = now()
    first = jobs_run_due(at=start)
    assert "checkins.purge" in first
    assert "checkins.purge" not in jobs_run_due(at=start + timedelta(hours=23))
    assert "checkins.purge" in jobs_run_due(at=start + timedelta(days=1, minutes=1))


def test_the_purge_really_runs_through_the_scheduler(db, commune, settings):
    """An old check-in is gone after the scheduler's first pass; its day's count stays."""
    from epiqr.checkins.models import CheckIn, VenueDailyCount
    from tests.factories import PersonFactory, VenueFactory

    venue = VenueFactory(commune=commune)
    old = CheckIn.objects.create(
        venue=venue, person=PersonFactory(), checked_in_at=now() - timedelta(days=30), method="staff"
    )
    jobs_run_due()
    assert not CheckIn.objects.filter(pk=old.pk).exists()
    assert VenueDailyCount.objects.filter(venue=venue).exists()
