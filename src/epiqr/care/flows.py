"""Reactions of care to the others' events: every F0 case opened gets its care record; a cancelled case
ends its care and gives its beds back."""

from epiqr.accounts.models import User
from epiqr.cases.models import Case
from epiqr.core import events

from . import services


@events.on("case_opened")
def patient_for_new_case(*, case_id: int, source: str, actor_id: int | None) -> None:
    """A case opened (by an officer, a lab, a contact found positive) is a patient to place."""
    case = Case.objects.filter(pk=case_id).first()
    if case is not None:
        services.patient_open(case=case)


@events.on("case_cancelled")
def care_for_cancelled_case(*, case_id: int, reason: str, actor_id: int | None) -> None:
    """A case opened by mistake: its routings are withdrawn, its bed freed, its care ended (with history)."""
    actor = User.objects.filter(pk=actor_id).first() if actor_id else None
    services.patient_cancel(case_id=case_id, reason=reason, actor=actor)
