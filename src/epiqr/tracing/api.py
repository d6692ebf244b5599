"""Tracing API at /api/v1/tracing/: runs with their contacts, exports, and the public risky-venue feed."""

from datetime import date
from typing import Literal

from ninja import Field, Query, Router, Schema, Status

from epiqr.cases.selectors import case_get_visible_to
from epiqr.core import export
from epiqr.core.api_schema import Day, Id, Int64, errors
from epiqr.core.permissions import check_capability
from epiqr.core.timeutil import local_today

from . import permissions, selectors, services

router = Router(tags=["tracing"])


class RunIn(Schema):
    case: Id
    policy: str | None = Field(None, max_length=40)
    degree: int = Field(1, ge=1, le=2, description="1 (F1) or 2 (F2)")


@router.post("/runs", response={201: dict, **errors(403, 404)})
def create_run(request, body: RunIn):
    """Trace a case now; returns the run and the contacts you may see."""
    check_capability(request.user, permissions.RUN)
    case = case_get_visible_to(user=request.user, case_id=body.case)
    run = services.run_create(
        case=case, policy_name=body.policy, degree=body.degree, by=request.user, trigger="api"
    )
    return Status(201, selectors.run_payload(run=run, user=request.user))


@router.get("/runs/{run_id}", response={200: dict, **errors(403, 404)})
def get_run(request, run_id: Id):
    check_capability(request.user, permissions.VIEW)
    run = selectors.run_get_visible_to(user=request.user, run_id=run_id)
    from epiqr.core.services import audit_record

    payload = selectors.run_payload(run=run, user=request.user)
    audit_record(
        actor=request.user,
        action="tracing.read",
        target=run,
        row_count=len(payload["contacts"]),
        reason="api",
    )
    return payload


_EXPORT_TYPES = {
    export.CONTENT_TYPES[export.CSV].split(";")[0]: {"schema": {"type": "string"}},
    export.CONTENT_TYPES[export.XLSX]: {"schema": {"type": "string", "format": "binary"}},
}


@router.get(
    "/runs/{run_id}/export",
    response={200: None, **errors(403, 404)},
    openapi_extra={"responses": {200: {"description": "The contact list", "content": _EXPORT_TYPES}}},
)
def export_run(
    request,
    run_id: Id,
    purpose: str = Query("", max_length=255),
    format: Literal["csv", "xlsx"] = "csv",  # noqa: A002
):
    """The contact list as CSV or XLSX; `purpose` is required and written to the audit log."""
    check_capability(request.user, permissions.EXPORT)
    run = selectors.run_get_visible_to(user=request.user, run_id=run_id)
    sheet, name = services.run_export(run=run, user=request.user, fmt=format, purpose=purpose)
    return export.response(sheet, fmt=format, filename=name)


class TriageCase(Schema):
    case: int
    commune: str | None
    contacts: int
    high_risk: int
    last_run: int | None


class TriageOut(Schema):
    day: date
    policy: str
    policy_version: int
    cases: list[TriageCase]


@router.get("/triage", response={200: TriageOut, **errors(403)})
def triage(request, day: Day | None = None, policy: str | None = Query(None, max_length=40)):
    """The day's active cases in your area (default today) traced together as one F1 batch, most
    high-risk contacts first; counts only, nothing stored."""
    check_capability(request.user, permissions.RUN)
    day = day or local_today()
    used, rows = services.tracing_triage(user=request.user, day=day, policy_name=policy)
    return {
        "day": day,
        "policy": used.name,
        "policy_version": used.version,
        "cases": [
            {
                "case": r.case.pk,
                "commune": r.case.commune.name if r.case.commune_id else None,
                "contacts": r.contacts,
                "high_risk": r.high_risk,
                "last_run": r.last_run_id,
            }
            for r in rows
        ],
    }


@router.get("/feed", auth=None, response=dict)
def risky_venue_feed(request, days: Int64 = Query(14, description="1 to 21")):
    """Public on purpose: venue code, start, end and risk level where F0s were present. No personal data."""
    days = max(1, min(days, 21))
    return {"generated_days": days, "entries": selectors.risky_venue_feed(days=days)}
