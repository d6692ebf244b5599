from datetime import timedelta

from epiqr.core.scheduler import Job

from . import tasks

# Hourly: a quarantine whose follow-up days are over ends within the hour after local midnight.
JOBS = [Job("quarantine.complete", timedelta(hours=1), tasks.quarantines_complete)]
