"""Reactions of care to the others' events: every F0 case opened gets its care record."""

from epiqr.cases.models import Case
from epiqr.core import events

from . import services


@events.on("case_opened")
def patient_for_new_case(*, case_id: int, source: str, actor_id: int | None) -> None:
    """A case opened (by an officer, a lab, a contact found positive) is a patient to place."""
    case = Case.objects.filter(pk=case_id).first()
    if case is not None:
        services.patient_open(case=case)
