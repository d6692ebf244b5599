from datetime import timedelta

from epiqr.core.scheduler import Job

from . import tasks

JOBS = [
    Job("checkins.counts_refresh", timedelta(minutes=5), tasks.counts_refresh),
    Job("checkins.purge", timedelta(days=1), tasks.purge),
    Job("checkins.partitions", timedelta(days=1), tasks.partitions_create),
]
