from datetime import timedelta

from epiqr.core.scheduler import Job

from . import tasks

# Every minute: a large run's F2 is filed by the task enqueued when it is stored; the sweep only picks up
# one a stopped worker left half-filed, so it is at most a minute late.
JOBS = [Job("tracing.file_contacts", timedelta(minutes=1), tasks.contacts_file_pending)]
