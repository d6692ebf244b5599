from datetime import timedelta

from epiqr.core.scheduler import Job

from . import tasks

JOBS = [Job("people.devices_purge", timedelta(days=1), tasks.devices_purge)]
