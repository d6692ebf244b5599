from datetime import timedelta

from . import tasks
from .scheduler import Job

JOBS = [
    Job("core.jobs_purge", timedelta(days=1), tasks.jobs_purge),
    Job("core.audit_purge", timedelta(days=1), tasks.audit_purge),
]
