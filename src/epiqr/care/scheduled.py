from datetime import timedelta

from epiqr.core.scheduler import Job

from . import tasks

# Every 10 minutes: a missed slot reaches the hotline at most 10 minutes after it ended.
JOBS = [Job("care.reports_missed", timedelta(minutes=10), tasks.reports_missed)]
