"""Hotline API at /api/v1/hotline/: the queue, a request and its history, filing a call, actions on a
request, the queues' counts and the statistics per team (for the dashboards)."""

from datetime import datetime
from typing import Literal

from django.utils.translation import gettext as _
from ninja import Field, Query, Router, Schema, Status

from epiqr.core import audit
from epiqr.core.api_schema import Code, Id, errors
from epiqr.core.audit import no_personal_data, reads_personal_data
from epiqr.core.errors import Forbidden, Invalid
from epiqr.core.lists import api_page, api_params, api_query
from epiqr.core.permissions import check_capability, has_capability

from . import permissions, selectors, services
from .models import Category, Source

router = Router(tags=["hotline"])


class HotlineTicketOut(Schema):
    id: int
    source: str
    category: str
    priority: int = Field(..., description="0 urgent, 1 high, 2 normal, 3 low")
    priority_reason: str
    rules: str = Field(..., description="the rule set that decided priority and deadline (name/version)")
    status: str
    caller_name: str
    phone: str
    phone_verified: bool
    commune_code: int | None
    address: str
    description: str
    warning_sign: bool
    team_id: int | None
    team: str | None
    assignee: str | None
    level: int = Field(..., description="escalation level: 0 at the first team, +1 per escalation")
    due_at: datetime
    overdue: bool
    created_at: datetime
    resolved_at: datetime | None
    person_id: int | None
    case_id: int | None


class HotlineEventOut(Schema):
    kind: str
    from_status: str
    to_status: str
    team: str | None
    level: int
    text: str
    by: str | None
    at: datetime


class HotlineRunOut(Schema):
    run_id: int
    contacts: int
    ran_at: datetime


class HotlineContactOfOut(Schema):
    run_id: int
    case_id: int
    degree: int = Field(..., description="1 for F1, 2 for F2")
    status: str = Field(..., description="the follow-up status of the contact (tracing)")
    first_exposed_at: datetime


class HotlineTicketDetailOut(HotlineTicketOut):
    resolution: str
    history: list[HotlineEventOut]
    case_runs: list[HotlineRunOut] = Field(..., description="tracing runs of the case (its contacts)")
    contact_of: list[HotlineContactOfOut] = Field(..., description="where the person is a traced contact")


def ticket_out(ticket, *, at: datetime | None = None) -> dict:
    at = at or services.timeutil.now()
    return {
        "id": ticket.pk,
        "source": ticket.source,
        "category": ticket.category,
        "priority": ticket.priority,
        "priority_reason": _(ticket.priority_reason) if ticket.priority_reason else "",
        "rules": ticket.rules,
        "status": ticket.status,
        "caller_name": ticket.caller_name,
        "phone": ticket.phone,
        "phone_verified": ticket.phone_verified,
        "commune_code": ticket.commune_id,
        "address": ticket.address,
        "description": ticket.description,
        "warning_sign": ticket.warning_sign,
        "team_id": ticket.team_id,
        "team": ticket.team.name if ticket.team_id else None,
        "assignee": str(ticket.assignee) if ticket.assignee_id else None,
        "level": ticket.level,
        "due_at": ticket.due_at,
        "overdue": ticket.is_open and ticket.due_at < at,
        "created_at": ticket.created_at,
        "resolved_at": ticket.resolved_at,
        "person_id": ticket.person_id,
        "case_id": ticket.case_id,
    }


def ticket_detail_out(ticket, *, user) -> dict:
    links = selectors.ticket_links(user=user, ticket=ticket)
    return {
        **ticket_out(ticket),
        "resolution": ticket.resolution,
        "case_runs": [{"run_id": r.pk, "contacts": r.contact_count, "ran_at": r.ran_at} for r in links.runs],
        "contact_of": [
            {
                "run_id": c.run_id,
                "case_id": c.run.case_id,
                "degree": c.degree,
                "status": c.status,
                "first_exposed_at": c.first_exposed_at,
            }
            for c in links.contact_of
        ],  # fmt: skip
        "history": [
            {
                "kind": e.kind,
                "from_status": e.from_status,
                "to_status": e.to_status,
                "team": e.team.name if e.team_id else None,
                "level": e.level,
                "text": e.text,
                "by": str(e.by) if e.by_id else None,
                "at": e.at,
            }
            for e in selectors.ticket_history(ticket=ticket)
        ],
    }


TicketPage = api_page(HotlineTicketOut, name="HotlineTicketPage")
QueueQuery = api_query(selectors.QUEUE)


@router.get("/tickets", response={200: TicketPage, **errors(403, 422)})
@reads_personal_data("hotline.queue")
def list_tickets(request, params: Query[QueueQuery]):
    """Open requests you may see, most urgent first then by deadline; by number, phone or name (`q`),
    team, priority, category, status, past the deadline (`overdue=yes`) and commune; paged."""
    check_capability(request.user, permissions.VIEW)
    page = selectors.QUEUE.get(
        selectors.queue_visible_to(user=request.user), api_params(params), user=request.user, strict=True
    )
    audit.annotate(row_count=len(page.items), detail=page.query.params())
    at = services.timeutil.now()
    return page.as_api([ticket_out(t, at=at) for t in page.items], path=request.path)


@router.get("/tickets/{ticket_id}", response={200: HotlineTicketDetailOut, **errors(403, 404)})
@reads_personal_data("hotline.ticket_view", target=("hotline.ticket", "ticket_id"))
def get_ticket(request, ticket_id: Id):
    check_capability(request.user, permissions.VIEW)
    ticket = selectors.ticket_get_visible_to(user=request.user, ticket_id=ticket_id)
    return ticket_detail_out(ticket, user=request.user)


class HotlineCallIn(Schema):
    phone: str = Field(..., max_length=20)
    category: Literal[tuple(Category.values)]  # type: ignore[valid-type]
    description: str = Field(..., min_length=1, max_length=4000)
    caller_name: str = Field("", max_length=120)
    commune_code: Code | None = None
    address: str = Field("", max_length=255)
    warning_sign: bool = False
    vulnerable: bool = False
    person_id: Id | None = Field(
        None, description="a registered person of your area (from the caller lookup)"
    )
    team_id: Id | None = Field(None, description="the team that takes it; none: the intake queue")


@router.post("/tickets", response={201: HotlineTicketDetailOut, **errors(403)})
@reads_personal_data("hotline.file")
def file_call(request, body: HotlineCallIn):
    """File a request taken on the phone (operators). The rules give its priority and deadline; the
    caller gets an SMS with its number."""
    check_capability(request.user, permissions.CONSOLE)
    ticket = services.ticket_file(
        filing=services.Filing(
            source=Source.CALL,
            category=body.category,
            description=body.description,
            phone=body.phone,
            caller_name=body.caller_name,
            commune_id=body.commune_code,
            address=body.address,
            warning_sign=body.warning_sign,
            vulnerable=body.vulnerable,
            person_id=body.person_id,
            team_id=body.team_id,
        ),
        actor=request.user,
    )
    return Status(201, ticket_detail_out(ticket, user=request.user))


class HotlineActionIn(Schema):
    action: Literal["take", "release", "resolve", "cancel", "reopen", "note", "assign"]
    text: str = Field(
        "", max_length=2000, description="what was done (resolve), why (cancel, reopen), a note"
    )
    team_id: Id | None = Field(None, description="the team (assign)")


@router.post("/tickets/{ticket_id}/actions", response={200: HotlineTicketDetailOut, **errors(403, 404, 409)})
@reads_personal_data("hotline.act", target=("hotline.ticket", "ticket_id"))
def act(request, ticket_id: Id, body: HotlineActionIn):
    """Move a request through its status machine (new → assigned → in_progress → resolved / cancelled,
    reopen) or add a note. 409 when the move is not allowed from the request's status."""
    check_capability(request.user, permissions.WORK)
    user = request.user
    ticket = selectors.ticket_get_visible_to(user=user, ticket_id=ticket_id)
    if body.action == "take":
        services.ticket_take(ticket=ticket, actor=user)
    elif body.action == "release":
        services.ticket_release(ticket=ticket, actor=user, note=body.text)
    elif body.action == "resolve":
        services.ticket_resolve(ticket=ticket, actor=user, resolution=body.text)
    elif body.action == "cancel":
        services.ticket_cancel(ticket=ticket, actor=user, reason=body.text)
    elif body.action == "reopen":
        services.ticket_reopen(ticket=ticket, actor=user, reason=body.text)
    elif body.action == "note":
        services.ticket_note(ticket=ticket, actor=user, text=body.text)
    else:
        if not has_capability(user, permissions.ASSIGN):
            raise Forbidden(_("You are not allowed to do this."))
        team = (
            selectors.team_list_assignable_by(user=user, province_id=ticket.province_id)
            .filter(pk=body.team_id or 0)
            .first()
        )
        if team is None:
            raise Invalid(_("Choose a team of the request's province."), field="team_id")
        services.ticket_assign(ticket=ticket, team=team, actor=user, note=body.text)
    return ticket_detail_out(selectors.ticket_get_visible_to(user=user, ticket_id=ticket_id), user=user)


class HotlineQueueOut(Schema):
    team_id: int | None
    team: str
    total: int
    urgent: int
    high: int
    normal: int
    low: int
    overdue: int


@router.get("/queues", response={200: list[HotlineQueueOut], **errors(403)})
@no_personal_data("counts of open requests per team and priority, no person")
def queues(request):
    """Open requests per team you may see (and the intake queue, team null): by priority and past the
    deadline."""
    check_capability(request.user, permissions.VIEW)
    return [
        {
            "team_id": q.team_id,
            "team": q.name,
            "total": q.total,
            "urgent": q.by_priority.get(0, 0),
            "high": q.by_priority.get(1, 0),
            "normal": q.by_priority.get(2, 0),
            "low": q.by_priority.get(3, 0),
            "overdue": q.overdue,
        }
        for q in selectors.queue_counts(user=request.user)
    ]


class HotlineTeamStatsOut(Schema):
    team_id: int
    team: str
    kind: str
    open: int
    overdue: int
    resolved: int
    median_minutes_to_resolve: float | None


class HotlineStatsQuery(Schema):
    days: int = Field(7, ge=1, le=90, description="the window for resolved requests and the median")


@router.get("/stats", response={200: list[HotlineTeamStatsOut], **errors(403)})
@no_personal_data("per team: counts of requests and the median time to resolve them, no person")
def stats(request, params: Query[HotlineStatsQuery]):
    """Per team you may see: open requests, those past the deadline, and over the last `days` the
    requests resolved and the median minutes from filing to resolution. No personal data."""
    check_capability(request.user, permissions.STATS)
    return [
        {
            "team_id": s.team_id,
            "team": s.name,
            "kind": s.kind,
            "open": s.open,
            "overdue": s.overdue,
            "resolved": s.resolved,
            "median_minutes_to_resolve": s.median_minutes,
        }
        for s in selectors.team_stats(user=request.user, days=params.days)
    ]
