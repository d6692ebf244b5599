from datetime import date, datetime

from django.db import transaction
from django.utils.translation import gettext as _

from epiqr.accounts.models import User
from epiqr.core import events
from epiqr.core.errors import Conflict, Invalid
from epiqr.core.services import audit_record
from epiqr.core.timeutil import local_today, now
from epiqr.notify.services import message_send_to_officers

from .events import CASE_CANCELLED, CASE_ENDED, CASE_OPENED
from .models import Case, CaseStatus

SOURCES = ("manual", "lab", "contact", "api", "scan")


@transaction.atomic
def case_open(
    *,
    person,
    confirmed_on: date,
    onset_on: date | None = None,
    sample_on: date | None = None,
    source: str = "manual",
    actor: User | None = None,
    isolated_at: datetime | None = None,
) -> Case:
    """Open an F0 case for a person; a person has at most one active case.

    Emits `case_opened` after commit: tracing traces a lab-confirmed case for the commune officer's
    review and tells the officer (tracing/flows.py).
    """
    if confirmed_on > local_today():
        raise Invalid(_("The confirmation date cannot be in the future."), field="confirmed_on")
    for field, value in (("onset_on", onset_on), ("sample_on", sample_on)):
        if value and value > confirmed_on:
            raise Invalid(_("Onset and sample dates must not be after the confirmation date."), field=field)
    if isolated_at is not None and (isolated_at.tzinfo is None or isolated_at > now()):
        raise Invalid(
            _("The isolation time needs a time zone and cannot be in the future."), field="isolated_at"
        )
    if Case.objects.select_for_update().filter(person=person, status=CaseStatus.ACTIVE).exists():
        raise Conflict(_("This person is already an active case."), code="already_case")
    case = Case.objects.create(
        person=person,
        confirmed_on=confirmed_on,
        onset_on=onset_on,
        sample_on=sample_on,
        isolated_at=isolated_at,
        source=source,
        commune_id=person.commune_id,
        opened_by=actor if getattr(actor, "is_authenticated", False) else None,
    )
    audit_record(actor=actor, action="case.open", target=case, detail={"source": source})
    events.emit(CASE_OPENED, case_id=case.pk, source=source, actor_id=case.opened_by_id)
    return case


@transaction.atomic
def case_period_override(
    *,
    case: Case,
    infectious_from: datetime | None,
    infectious_until: datetime | None,
    reason: str,
    actor: User,
) -> Case:
    """An officer sets the infectious period by hand; the reason is required and audited."""
    reason = (reason or "").strip()
    if not reason:
        raise Invalid(_("Give a reason for changing the infectious period."), field="reason")
    for field, value in (("infectious_from", infectious_from), ("infectious_until", infectious_until)):
        if value is not None and value.tzinfo is None:
            raise Invalid(_("The time needs a time zone."), field=field)
    if infectious_from and infectious_until and infectious_from >= infectious_until:
        raise Invalid(_("The start must be before the end."), field="infectious_until")
    before = {
        "from": case.infectious_from_override.isoformat() if case.infectious_from_override else None,
        "until": case.infectious_until_override.isoformat() if case.infectious_until_override else None,
    }
    case.infectious_from_override = infectious_from
    case.infectious_until_override = infectious_until
    case.override_reason = reason[:500]
    case.save(update_fields=["infectious_from_override", "infectious_until_override", "override_reason"])
    audit_record(
        actor=actor,
        action="case.period_override",
        target=case,
        reason=reason,
        detail={
            "before": before,
            "from": infectious_from and infectious_from.isoformat(),
            "until": infectious_until and infectious_until.isoformat(),
        },
    )
    return case


@transaction.atomic
def case_cancel(*, case: Case, reason: str, actor: User | None = None) -> Case:
    """Close an active case as cancelled: it should not have been opened (the lab corrected the positive
    result). The record, its tracing runs and the audit trail stay; the commune officers are told, so
    that nobody calls or isolates contacts because of it."""
    from django.conf import settings

    reason = (reason or "").strip()
    if not reason:
        raise Invalid(_("Say why the case is cancelled."), field="reason", code="reason_required")
    case = Case.objects.select_for_update().select_related("person").get(pk=case.pk)
    if case.status != CaseStatus.ACTIVE:
        raise Conflict(_("Only an active case can be cancelled."), code="not_active")
    case.status = CaseStatus.CLOSED
    case.save(update_fields=["status"])
    audit_record(actor=actor, action="case.cancel", target=case, reason=reason[:255])
    events.emit(
        CASE_CANCELLED,
        case_id=case.pk,
        reason=reason,
        actor_id=actor.pk if actor is not None and actor.is_authenticated else None,
    )
    message_send_to_officers(
        commune_id=case.commune_id,
        template="case_cancelled",
        context={"case": case, "reason": reason, "base_url": settings.PUBLIC_BASE_URL},
        related=case,
    )
    return case


@transaction.atomic
def case_end(*, case: Case, outcome: str, actor: User | None = None) -> Case:
    """An active case ends: the person recovered (released from isolation) or died. Care calls this when
    its patient's status machine reaches the end; the case then stops counting as under isolation."""
    if outcome not in (CaseStatus.RECOVERED, CaseStatus.DECEASED):
        raise Invalid(_("Unknown status."), field="outcome")
    case = Case.objects.select_for_update().get(pk=case.pk)
    if case.status != CaseStatus.ACTIVE:
        raise Conflict(_("Only an active case can end."), code="not_active")
    case.status = outcome
    case.save(update_fields=["status"])
    audit_record(actor=actor, action="case.end", target=case, detail={"outcome": outcome})
    events.emit(
        CASE_ENDED,
        case_id=case.pk,
        outcome=outcome,
        actor_id=actor.pk if actor is not None and actor.is_authenticated else None,
    )
    return case
