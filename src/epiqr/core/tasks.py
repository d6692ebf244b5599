"""Core's background tasks."""

from django_tasks import task

from .services import jobs_purge as purge


@task()
def audit_purge() -> int:
    """Delete audit events older than EPIQR_AUDIT_KEEP_DAYS."""
    from .services import audit_purge as purge

    return purge()


@task()
def jobs_purge() -> int:
    """Delete finished jobs older than EPIQR_JOB_KEEP_DAYS, with their files (exports hold personal data)."""
    return purge()
