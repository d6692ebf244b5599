"""Reactions to a confirmed case, run as background tasks (django-tasks)."""

from django.db import transaction
from django_tasks import task


@task()
def case_confirmed_by_lab(*, case_id: int) -> int:
    """A lab-confirmed case: trace its F1s for the commune officer's review and tell the officer."""
    from epiqr.tracing.services import run_create_for_review

    with transaction.atomic():
        run = run_create_for_review(case_id=case_id)
    return run.pk
