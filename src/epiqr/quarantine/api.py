"""Quarantine API at /api/v1/quarantine/: the quarantines of your area (paged, filtered like the page),
one quarantine with its policy in words, its days and calls, the diary filled on a call, a call logged,
a positive contact made a case, a quarantine ended, the call log."""

from datetime import date, datetime
from decimal import Decimal
from typing import Literal

from ninja import Field, Query, Router, Schema, Status

from epiqr.core import audit
from epiqr.core.api_schema import Id, errors
from epiqr.core.audit import no_personal_data, reads_personal_data
from epiqr.core.lists import api_page, api_params, api_query
from epiqr.core.permissions import check_capability
from epiqr.core.replica import replica_ok

from . import permissions, selectors, services
from .models import Outcome, Symptom

router = Router(tags=["quarantine"])


class QuarantineOut(Schema):
    id: int
    contact_id: int = Field(..., description="the traced contact (tracing) this quarantine follows")
    person_id: int
    full_name: str
    phone: str
    commune_code: int | None
    degree: int = Field(..., description="1 for F1, 2 for F2")
    source_case_id: int = Field(..., description="the F0 case whose contact this is")
    new_case_id: int | None = Field(..., description="the case this contact became, if they did")
    policy: str = Field(..., description="the policy applied (quarantine/policy.py POLICIES)")
    regime: str = Field(..., description="standard, or reduced (vaccinated or recovered)")
    last_exposure: date
    start: date = Field(..., description="day 1: the day after the last exposure")
    end: date | None = Field(..., description="the last day of quarantine; null: none asked")
    monitor_until: date | None
    follow_until: date = Field(..., description="the last day followed (diary kept)")
    test_days: list[date]
    status: str = Field(..., description="active, ended, became_case")
    symptoms_at: datetime | None
    assignee_id: int | None = Field(
        None, description="the officer of the commune team following this contact"
    )


class QuarantineDayOut(Schema):
    day: date
    number: int
    in_quarantine: bool
    test_due: bool
    missed: bool
    symptoms: list[str] | None = Field(
        ..., description="the symptoms reported (codes); null: no diary that day"
    )
    temperature: Decimal | None


class QuarantineCallOut(Schema):
    id: int
    quarantine_id: int
    at: datetime
    by: str | None
    outcome: str
    note: str


class QuarantineDetailOut(QuarantineOut):
    explanation: list[str] = Field(..., description="the policy's decision in words")
    days: list[QuarantineDayOut]
    calls: list[QuarantineCallOut]


def quarantine_out(q) -> dict:
    return {
        "id": q.pk,
        "contact_id": q.contact_id,
        "person_id": q.person_id,
        "full_name": q.person.full_name,
        "phone": q.person.phone,
        "commune_code": q.commune_id,
        "degree": q.degree,
        "source_case_id": q.source_case_id,
        "new_case_id": q.new_case_id,
        "policy": q.policy,
        "regime": q.regime,
        "last_exposure": q.last_exposure,
        "start": q.start,
        "end": q.end,
        "monitor_until": q.monitor_until,
        "follow_until": q.follow_until,
        "test_days": [date.fromisoformat(d) for d in q.test_days],
        "assignee_id": q.assignee_id,
        "status": q.status,
        "symptoms_at": q.symptoms_at,
    }


def call_out(c) -> dict:
    return {
        "id": c.pk,
        "quarantine_id": c.quarantine_id,
        "at": c.at,
        "by": c.by.username if c.by else None,
        "outcome": c.outcome,
        "note": c.note,
    }


def detail_out(q) -> dict:
    return {
        **quarantine_out(q),
        "explanation": selectors.explain(q),
        "days": [
            {
                "day": d.day,
                "number": d.number,
                "in_quarantine": d.in_quarantine,
                "test_due": d.test_due,
                "missed": d.missed,
                "symptoms": list(d.entry.symptoms) if d.entry else None,
                "temperature": d.entry.temperature if d.entry else None,
            }
            for d in selectors.quarantine_days(quarantine=q)
        ],
        "calls": [call_out(c) for c in q.calls.select_related("by")[:50]],
    }


QuarantinePage = api_page(QuarantineOut, name="QuarantinePage")
QuarantineQuery = api_query(selectors.QUARANTINES)
CallPage = api_page(QuarantineCallOut, name="QuarantineCallPage")
CallQuery = api_query(selectors.CALLS)


@router.get("/", response={200: QuarantinePage, **errors(403, 422)})
@reads_personal_data("quarantine.list")
@replica_ok()
def list_quarantines(request, params: Query[QuarantineQuery]):
    """The quarantines of contacts in your area, newest first: `todo` in_quarantine, due_test (a test
    due today), no_diary (today's diary missing), symptoms; `status` (default active), commune, name or
    phone (`q`); paged."""
    check_capability(request.user, permissions.VIEW)
    page = selectors.QUARANTINES.get(
        selectors.quarantine_list_visible_to(user=request.user),
        api_params(params),
        user=request.user,
        strict=True,
    )
    audit.annotate(row_count=len(page.items), detail=page.query.params())
    return page.as_api([quarantine_out(q) for q in page.items], path=request.path)


@router.get("/calls", response={200: CallPage, **errors(403, 422)})
@reads_personal_data("quarantine.calls")
@replica_ok()
def list_calls(request, params: Query[CallQuery]):
    """The call log of your area, newest first (who called which contact, when, what came of it)."""
    check_capability(request.user, permissions.VIEW)
    page = selectors.CALLS.get(
        selectors.call_list_visible_to(user=request.user), api_params(params), user=request.user, strict=True
    )
    audit.annotate(row_count=len(page.items), detail=page.query.params())
    return page.as_api([call_out(c) for c in page.items], path=request.path)


class QuarantineAssignIn(Schema):
    quarantine_ids: list[Id] = Field(..., min_length=1, max_length=500)
    assignee_id: Id | None = Field(
        ..., description="an active commune officer of each contact's commune; null: nobody"
    )


class QuarantineAssignOut(Schema):
    assigned: int


@router.post("/assign", response={200: QuarantineAssignOut, **errors(403, 404, 422)})
@no_personal_data("quarantine numbers and an officer's id only")
def assign(request, body: QuarantineAssignIn):
    """Give contacts in quarantine to a member of their commune's team (or to nobody): every quarantine
    must be in your area (404 otherwise, nothing written) and the officer of each one's commune (422)."""
    check_capability(request.user, permissions.FOLLOW)
    n = services.quarantines_assign(
        actor=request.user, quarantine_ids=list(body.quarantine_ids), assignee_id=body.assignee_id
    )
    return {"assigned": n}


@router.get("/{quarantine_id}", response={200: QuarantineDetailOut, **errors(403, 404)})
@reads_personal_data("quarantine.view", target=("quarantine.quarantine", "quarantine_id"))
def get_quarantine(request, quarantine_id: Id):
    """One quarantine: its days counted from the last exposure, the policy's decision in words, the
    diary day by day (missed days marked) and the calls. 404 outside your area."""
    check_capability(request.user, permissions.VIEW)
    return detail_out(selectors.quarantine_get_visible_to(user=request.user, quarantine_id=quarantine_id))


class QuarantineCallIn(Schema):
    outcome: Literal[tuple(Outcome.values)]  # type: ignore[valid-type]
    note: str = Field("", max_length=300)
    symptoms: list[Literal[tuple(Symptom.values)]] | None = Field(  # type: ignore[valid-type]
        None, max_length=len(Symptom.values), description="the day's diary given on the call (reached only)"
    )
    temperature: Decimal | None = Field(None, ge=34, le=43, max_digits=3, decimal_places=1)


@router.post("/{quarantine_id}/calls", response={201: QuarantineDetailOut, **errors(403, 404, 409)})
@reads_personal_data("quarantine.call", target=("quarantine.quarantine", "quarantine_id"))
def log_call(request, quarantine_id: Id, body: QuarantineCallIn):
    """Log a call of the commune team; with `symptoms` (a list, empty for none) the day's diary given on
    the call is recorded too (symptoms flag the contact and tell the officers). 409: the quarantine has
    ended."""
    check_capability(request.user, permissions.FOLLOW)
    q = selectors.quarantine_get_visible_to(user=request.user, quarantine_id=quarantine_id)
    diary = None
    if body.symptoms is not None:
        diary = {"symptoms": list(body.symptoms), "temperature": body.temperature, "note": body.note}
    services.call_with_diary(
        quarantine=q, actor=request.user, outcome=body.outcome, note=body.note, diary=diary
    )
    return Status(201, detail_out(selectors.quarantine_get_visible_to(user=request.user, quarantine_id=q.pk)))


class QuarantineActionIn(Schema):
    action: Literal["open_case", "end", "rule_out"] = Field(
        ...,
        description="open_case: the contact tested positive (a case, source 'contact'); end: end it now; "
        "rule_out: not a contact after all (needs `reason`; a negative test alone never ends a quarantine)",
    )
    reason: str = Field("", max_length=500, description="why the person is not a contact (rule_out)")


class QuarantineActionOut(QuarantineDetailOut):
    case_id: int | None = Field(..., description="the case opened (open_case)")


@router.post("/{quarantine_id}/actions", response={200: QuarantineActionOut, **errors(403, 404, 409)})
@reads_personal_data("quarantine.act", target=("quarantine.quarantine", "quarantine_id"))
def act(request, quarantine_id: Id, body: QuarantineActionIn):
    """A contact who tested positive becomes a case in one step (`open_case`: through tracing and cases,
    keeping the F0 who exposed them), or the quarantine ends now (`end`). 409 when it has already ended."""
    check_capability(request.user, permissions.FOLLOW)
    q = selectors.quarantine_get_visible_to(user=request.user, quarantine_id=quarantine_id)
    case_id = None
    if body.action == "open_case":
        case_id = services.quarantine_open_case(quarantine=q, actor=request.user).pk
    elif body.action == "rule_out":
        services.quarantine_rule_out(quarantine=q, actor=request.user, reason=body.reason)
    else:
        services.quarantine_end(quarantine=q, actor=request.user, reason="ended_by_officer")
    q = selectors.quarantine_get_visible_to(user=request.user, quarantine_id=q.pk)
    return {**detail_out(q), "case_id": case_id}
