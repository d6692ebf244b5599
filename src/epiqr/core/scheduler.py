"""Periodic jobs: each domain lists its own in `<domain>/scheduled.py` as JOBS = [Job(...), ...].

`epiqr scheduler` runs forever and enqueues each job when it is due (a service manager keeps it alive);
`epiqr scheduler --once` runs what is due and exits (for cron). When a job last ran is kept in the
database, so restarts and several hosts do not run a daily job twice in a day.
"""

from dataclasses import dataclass
from datetime import datetime, timedelta

from django.db import transaction

from .domains import domain_modules
from .models import ScheduledJobRun
from .timeutil import now


@dataclass(frozen=True)
class Job:
    name: str
    every: timedelta
    task: object  # a django-tasks Task: enqueued, so a worker backend runs it off the scheduler's process

    def due(self, last_run: datetime | None, at: datetime) -> bool:
        return last_run is None or at - last_run >= self.every


def jobs() -> list[Job]:
    return [job for _domain, module in domain_modules("scheduled") for job in module.JOBS]


def jobs_run_due(*, at: datetime | None = None) -> list[str]:
    """Enqueue every job that is due and record it; returns the names enqueued."""
    at = at or now()
    started = []
    for job in jobs():
        with transaction.atomic():
            row, _created = ScheduledJobRun.objects.select_for_update().get_or_create(name=job.name)
            if not job.due(row.last_run_at, at):
                continue
            row.last_run_at = at
            row.save(update_fields=["last_run_at"])
        job.task.enqueue()
        started.append(job.name)
    return started
