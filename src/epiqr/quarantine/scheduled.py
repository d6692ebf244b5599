from datetime import timedelta

from epiqr.core.scheduler import Job

from . import tasks

# Hourly: a quarantine whose follow-up days are over ends within the hour after local midnight.
# Hourly too: a diary day missed is chased within the hour after local midnight (reminder, then the officer).
JOBS = [
    Job("quarantine.complete", timedelta(hours=1), tasks.quarantines_complete),
    Job("quarantine.chase", timedelta(hours=1), tasks.diaries_chase),
]
