"""Tracing's reactions, run by a worker when there is one (in development and tests at once):
- a case confirmed by a lab (`case_opened`, source "lab") is traced to F1 for the commune officer's review
  and the officer is told;
- a run too long for a page (`run_queued`: an F2 run at national density can name hundreds of thousands
  of people and take tens of seconds) is traced and stored, then the officer who asked is told."""

from django.conf import settings

from epiqr.accounts.models import User
from epiqr.cases.models import Case
from epiqr.core import events
from epiqr.notify.services import message_send_template

from .services import run_create, run_create_for_review


@events.on("case_opened", background=True)
def trace_lab_case_for_review(*, case_id: int, source: str, actor_id: int | None) -> int | None:
    """A lab-confirmed case: trace its F1s for the commune officer's review and tell the officer."""
    if source != "lab":
        return None
    return run_create_for_review(case_id=case_id).pk


@events.on("run_queued", background=True)
def run_in_background(
    *, case_id: int, policy_name: str | None, degree: int, actor_id: int | None, trigger: str
) -> int:
    """Trace and store the run, then tell the officer who asked for it where to find it."""
    user = User.objects.filter(pk=actor_id).first() if actor_id else None
    case = Case.objects.select_related("person").get(pk=case_id)
    run = run_create(case=case, policy_name=policy_name, degree=degree, actor=user, trigger=trigger)
    channel, recipient = ("email", user.email) if user and user.email else ("sms", user.phone if user else "")
    if recipient:
        message_send_template(
            channel=channel,
            recipient=recipient,
            template="tracing_ready",
            context={"case": case, "run": run, "base_url": settings.PUBLIC_BASE_URL},
            related=run,
        )
    return run.pk
