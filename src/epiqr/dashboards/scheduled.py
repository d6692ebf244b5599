from datetime import timedelta

from epiqr.core.scheduler import Job

from . import tasks

JOBS = [
    Job("dashboards.nightly", timedelta(days=1), tasks.nightly),
    Job("dashboards.now", timedelta(minutes=5), tasks.now_refresh),
    Job("dashboards.coverage", timedelta(hours=1), tasks.coverage),
]
