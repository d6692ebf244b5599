"""Reactions of the quarantine domain to tracing's follow-up and to new cases."""

from epiqr.cases.selectors import case_get
from epiqr.core import events
from epiqr.tracing.models import FollowUp

from . import services
from .models import Quarantine, Status


@events.on("contact_followed_up")
def place_when_quarantined(*, contact_id: int, person_id: int, from_status: str, to_status: str, actor_id):
    """The officer put a traced contact in quarantine (follow-up 'quarantined'): place it by policy, with
    its days and test days; a negative test ('negative') is written in its history. The officer's scope
    was checked by tracing when the status moved."""
    if to_status == FollowUp.QUARANTINED:
        q = services.quarantine_place(contact_id=contact_id, actor=None)
        if actor_id and q.placed_by_id is None:
            Quarantine.objects.filter(pk=q.pk).update(placed_by_id=actor_id)
    elif to_status == FollowUp.NEGATIVE:
        # A negative test: the policy decides whether it changes anything (none of ours shortens the
        # days); the history says so either way.
        services.quarantine_negative_test(contact_id=contact_id, actor_id=actor_id)


@events.on("case_opened")
def end_when_a_case(*, case_id: int, source: str, actor_id):
    """A contact in quarantine confirmed as a case (a lab positive, or opened from the contact): the
    quarantine ends as 'became a case' and keeps the F0 who exposed them (the chain on the case page)."""
    case = case_get(case_id=case_id)
    if case is None:
        return
    for q in Quarantine.objects.filter(person_id=case.person_id, status=Status.ACTIVE):
        services.quarantine_end(quarantine=q, actor=None, reason="became_case", new_case=case)
