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


def enqueue_after_commit(*, case_id: int) -> None:
    """Queue the reaction once the case is committed, so a worker never looks for a case not yet there.

    The in-process (immediate) backend runs it at once instead, inside its own savepoint: development
    and tests see the run without a worker, and a failing reaction never undoes the case.
    """
    from django_tasks.backends.immediate import ImmediateBackend

    if isinstance(case_confirmed_by_lab.get_backend(), ImmediateBackend):
        case_confirmed_by_lab.enqueue(case_id=case_id)
    else:
        transaction.on_commit(lambda: case_confirmed_by_lab.enqueue(case_id=case_id), robust=True)
