from datetime import timedelta

from epiqr.core.scheduler import Job

from . import tasks

JOBS = [Job("cameras.frames_purge", timedelta(hours=1), tasks.frames_purge)]
