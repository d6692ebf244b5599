"""Background work of care: the sweep that flags missed self-reports."""

from django_tasks import task

from .services import reports_flag_missed


@task()
def reports_missed() -> int:
    """Flag every report slot that ended without a report of an F0 at home (once per slot)."""
    return reports_flag_missed()
