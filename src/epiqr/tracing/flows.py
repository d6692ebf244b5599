"""Tracing runs in the background: an F2 run at national density can name hundreds of thousands of
people and take tens of seconds to compute and store, longer than an officer should wait on a page or
a web worker may take. With a worker (EPIQR_TASKS=database) the page queues the run and the officer is
told when it is ready; in development the in-process backend runs it at once, as before."""

from django.conf import settings
from django.db import transaction
from django_tasks import task


@task()
def run_in_background(*, case_id: int, policy_name: str | None, degree: int, user_id: int | None) -> int:
    """Trace and store the run, then tell the officer who asked for it where to find it."""
    from epiqr.accounts.models import User
    from epiqr.cases.models import Case
    from epiqr.notify.services import message_send_template

    from .services import run_create

    user = User.objects.filter(pk=user_id).first() if user_id else None
    with transaction.atomic():
        case = Case.objects.select_related("person").get(pk=case_id)
        run = run_create(case=case, policy_name=policy_name, degree=degree, by=user)
    recipient = (user.email or user.phone) if user is not None else ""
    if recipient:
        message_send_template(
            channel="email" if user.email else "sms",
            recipient=recipient,
            template="tracing_ready",
            context={"case": case, "run": run, "base_url": settings.PUBLIC_BASE_URL},
            related=run,
        )
    return run.pk


def runs_in_background() -> bool:
    """Whether a worker takes the queued runs (not the in-process backend of development and tests)."""
    from django_tasks.backends.immediate import ImmediateBackend

    return not isinstance(run_in_background.get_backend(), ImmediateBackend)


def run_enqueue(*, case_id: int, policy_name: str | None, degree: int, user_id: int | None) -> None:
    """Queue the run once the request's transaction has committed."""
    transaction.on_commit(
        lambda: run_in_background.enqueue(
            case_id=case_id, policy_name=policy_name, degree=degree, user_id=user_id
        ),
        robust=True,
    )
