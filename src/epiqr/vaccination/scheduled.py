from datetime import timedelta

from epiqr.core.scheduler import Job

from . import tasks

JOBS = [Job("vaccination.reminders", timedelta(days=1), tasks.reminders_send)]
