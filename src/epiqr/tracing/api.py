"""Tracing API at /api/v1/tracing/: runs with their contacts, exports, and the public risky-venue feed."""

from datetime import date
from typing import Literal

from django.utils.translation import gettext as _
from ninja import Field, Query, Router, Schema, Status

from epiqr.cases.selectors import case_get_visible_to
from epiqr.core import audit, export
from epiqr.core.api_schema import Day, Id, Int64, errors
from epiqr.core.audit import no_personal_data, reads_personal_data
from epiqr.core.lists import api_page, api_params, api_query
from epiqr.core.permissions import check_capability
from epiqr.core.replica import replica_ok
from epiqr.core.timeutil import local_today

from . import permissions, selectors, services

router = Router(tags=["tracing"])


class RunIn(Schema):
    case: Id
    policy: str | None = Field(None, max_length=40)
    degree: int = Field(1, ge=1, le=2, description="1 (F1) or 2 (F2)")


class TracingRunOut(Schema):
    id: int
    owned: bool = Field(
        description="the run's case is in your jurisdiction; if not, the case, its period, "
        "its total and the changes are null and you see only your area's contacts"
    )
    case: int | None
    policy: str | None
    policy_version: int | None
    policy_snapshot: dict
    degree: int
    period_start: str | None
    period_end: str | None
    ran_at: str | None
    ran_by: str | None
    trigger: str
    status: str
    contact_count: int | None
    changes: dict | None
    contacts_filed: int | None = Field(
        None,
        description="while a large run's F2 is being filed into the follow-up lists (seconds after it is "
        "stored): how many of its contacts are listed so far; null once all are, and outside the case's "
        "jurisdiction (like contact_count)",
    )


class TracingExposureOut(Schema):
    venue_code: str
    venue_name: str
    checkin_id: int
    start: str | None
    end: str | None
    source_person_id: int | None
    source_checkin_id: int | None
    source_start: str | None
    source_end: str | None
    overlap_minutes: float
    weighted_minutes: float | None
    risk: str


class TracingThroughOut(Schema):
    contact: int | None
    name: str | None


class TracingContactOut(Schema):
    id: int
    person_id: int
    public_id: str
    full_name: str
    phone: str
    address: str
    commune: str | None
    commune_code: int | None
    degree: int
    risk: str
    overlap_minutes: float
    first_exposed_at: str | None
    status: str
    new_case: int | None
    through: list[TracingThroughOut]
    exposures: list[TracingExposureOut]


TracingRunPage = api_page(TracingRunOut, name="TracingRunPage")
TracingContactPage = api_page(TracingContactOut, name="TracingContactPage")
RunListQuery = api_query(selectors.RUNS)
ContactListQuery = api_query(selectors.CONTACTS)


class TracingRunQueuedOut(Schema):
    detail: str
    case: int
    degree: int


@router.post("/runs", response={201: TracingRunOut, 202: TracingRunQueuedOut, **errors(403, 404)})
@reads_personal_data("tracing.read")
def create_run(request, body: RunIn):
    """Trace a case; returns the run (201; its contacts: GET /runs/{id}/contacts). An F2 run, when a
    worker takes tasks, is queued as from the case page (202): you are messaged when it is ready, and
    it is listed at GET /runs."""
    check_capability(request.user, permissions.RUN)
    case = case_get_visible_to(user=request.user, case_id=body.case)
    run = services.run_request(
        case=case, policy_name=body.policy, degree=body.degree, actor=request.user, trigger="api"
    )
    if run is None:
        detail = _("F2 tracing of case #%(id)s is running; you will get a message when it is ready.") % {
            "id": case.pk
        }
        return Status(202, {"detail": detail, "case": case.pk, "degree": body.degree})
    return Status(201, selectors.run_summary(run=run, user=request.user))


@router.get("/runs", response={200: TracingRunPage, **errors(403, 422)})
@reads_personal_data("tracing.runs")
@replica_ok()
def list_runs(request, params: Query[RunListQuery]):
    """Runs of cases in your area, or with contacts in it: paged, filtered and sorted."""
    check_capability(request.user, permissions.VIEW)
    page = selectors.RUNS.get(
        selectors.run_list_visible_to(user=request.user), api_params(params), user=request.user, strict=True
    )
    items = [selectors.run_summary(run=r, user=request.user) for r in page.items]
    return page.as_api(items, path=request.path)


@router.get("/runs/{run_id}", response={200: TracingRunOut, **errors(403, 404)})
@reads_personal_data("tracing.read", target=("tracing.tracingrun", "run_id"))
def get_run(request, run_id: Id):
    check_capability(request.user, permissions.VIEW)
    run = selectors.run_get_visible_to(user=request.user, run_id=run_id)
    return selectors.run_summary(run=run, user=request.user)


@router.get("/runs/{run_id}/contacts", response={200: TracingContactPage, **errors(403, 404, 422)})
@reads_personal_data("tracing.read", target=("tracing.tracingrun", "run_id"))
def run_contacts(request, run_id: Id, params: Query[ContactListQuery]):
    """The run's contacts you may see, a page at a time (filters: degree, risk, follow-up status,
    commune, venue, name or phone). An F2's `through` names the F1s it was reached through, by name
    where you may see them, else by their contact id. Every call is audited."""
    check_capability(request.user, permissions.VIEW)
    run = selectors.run_get_visible_to(user=request.user, run_id=run_id)
    page = selectors.CONTACTS.get(
        selectors.contact_list_visible_to(user=request.user, run=run),
        api_params(params),
        user=request.user,
        strict=True,
    )
    contacts = selectors.contacts_with_exposures(page.items)
    sources = selectors.contact_sources(user=request.user, run=run, contacts=contacts)
    audit.annotate(
        row_count=len(page.items),
        reason="api",
        detail={"page": page.number, **page.query.params()},
    )
    owned = getattr(run, "owned", True)
    items = [selectors.contact_payload(c, owned=owned, through=sources.get(c.pk, [])) for c in contacts]
    return page.as_api(items, path=request.path)


_EXPORT_TYPES = {
    export.CONTENT_TYPES[export.CSV].split(";")[0]: {"schema": {"type": "string"}},
    export.CONTENT_TYPES[export.XLSX]: {"schema": {"type": "string", "format": "binary"}},
}


@router.get(
    "/runs/{run_id}/export",
    response={200: None, **errors(403, 404, 409)},
    openapi_extra={"responses": {200: {"description": "The contact list", "content": _EXPORT_TYPES}}},
)
@reads_personal_data("tracing.export", target=("tracing.tracingrun", "run_id"), reason="purpose")
@replica_ok()
def export_run(
    request,
    run_id: Id,
    purpose: str = Query("", max_length=255),
    format: Literal["csv", "xlsx"] = "csv",  # noqa: A002
):
    """The contact list as CSV or XLSX; `purpose` is required and written to the audit log. A run with
    more than 20,000 contacts in your area is refused (409, code export_too_large): export it from the
    run's page, where it is written in the background, or page through /contacts."""
    check_capability(request.user, permissions.EXPORT)
    run = selectors.run_get_visible_to(user=request.user, run_id=run_id)
    services.export_in_request_check(run=run, actor=request.user)
    sheet, name = services.run_export(run=run, actor=request.user, fmt=format, purpose=purpose)
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
@reads_personal_data("tracing.triage")
@replica_ok()
def triage(request, day: Day | None = None, policy: str | None = Query(None, max_length=40)):
    """The day's active cases in your area (default today) traced together as one F1 batch, most
    high-risk contacts first; counts only, nothing stored."""
    check_capability(request.user, permissions.RUN)
    day = day or local_today()
    used, rows = services.tracing_triage(actor=request.user, day=day, policy_name=policy)
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
@no_personal_data("the public risky-venue feed: venues and times, no people")
def risky_venue_feed(request, days: Int64 = Query(14, description="1 to 21")):
    """Public on purpose: venue code, start, end and risk level where F0s were present. No personal data."""
    days = max(1, min(days, 21))
    return {"generated_days": days, "entries": selectors.risky_venue_feed(days=days)}
