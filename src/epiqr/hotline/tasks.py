"""Background work of the hotline: the sweep that escalates requests past their deadline."""

from django_tasks import task

from .services import tickets_escalate_due


@task()
def tickets_escalate() -> int:
    """Escalate every open request past its deadline (once per deadline; safe to run twice)."""
    return len(tickets_escalate_due())
