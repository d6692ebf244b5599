"""Reads of the hotline: who sees which tickets, the queues and their counts, the caller card, statistics.

Scope: an administrator sees everything; a hotline operator or a province officer the tickets of their
province; everyone else (commune officers, medical teams, volunteers) the tickets of the teams they are
members of, and a commune officer also those of their commune.
"""

from __future__ import annotations

import statistics
from dataclasses import dataclass, field
from datetime import datetime, timedelta

from django.db.models import Count, Q, QuerySet
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from epiqr.accounts.selectors import commune_filter
from epiqr.care.models import Routing
from epiqr.cases.selectors import person_active_case
from epiqr.core import timeutil
from epiqr.core.errors import NotFound
from epiqr.core.lists import Filter, FilterKind, ListSpec, Sort
from epiqr.core.permissions import Role
from epiqr.core.text import fold
from epiqr.people.phones import looks_like_phone, normalise_phone
from epiqr.people.selectors import person_list_visible_to
from epiqr.tracing.selectors import contact_list_of_person, run_list_visible_to

from . import workflow
from .models import (
    OPEN_Q,
    Category,
    EventKind,
    Priority,
    Status,
    Team,
    TeamKind,
    TeamMember,
    Ticket,
    TicketEvent,
)

PROVINCE_ROLES = (Role.HOTLINE_OPERATOR, Role.PROVINCE_OFFICER)


def _is_admin(user) -> bool:
    return bool(user.is_superuser or user.role == Role.ADMIN)


def team_ids_of(*, user) -> list[int]:
    """The teams the user is a member of."""
    return list(TeamMember.objects.filter(user=user, team__is_active=True).values_list("team_id", flat=True))


def ticket_scope_q(*, user) -> Q | None:
    """A Q limiting tickets to the user's scope; None for no limit (administrators)."""
    if not getattr(user, "is_authenticated", False):
        return Q(pk__in=[])
    if _is_admin(user):
        return None
    if user.role in PROVINCE_ROLES and user.province_id and not user.commune_id:
        return Q(province_id=user.province_id)
    q = Q(team_id__in=team_ids_of(user=user))
    if user.role in PROVINCE_ROLES + (Role.COMMUNE_OFFICER,) and user.commune_id:
        q |= Q(commune_id=user.commune_id)
    return q


def ticket_list_visible_to(*, user) -> QuerySet[Ticket]:
    qs = Ticket.objects.select_related("team", "commune", "assignee")
    q = ticket_scope_q(user=user)
    return qs if q is None else qs.filter(q)


def ticket_get_visible_to(*, user, ticket_id: int) -> Ticket:
    ticket = (
        ticket_list_visible_to(user=user)
        .select_related("person", "case", "province", "routing__facility")
        .filter(pk=ticket_id)
        .first()
    )
    if ticket is None:
        raise NotFound(_("No such request in your area or your teams."), code="unknown_ticket")
    return ticket


def ticket_history(*, ticket: Ticket) -> list[TicketEvent]:
    """The request's history, oldest first; a care routing line carries its `routing` (facility, distance,
    or escalated to the province: services.ticket_route writes the routing's id as its text)."""
    rows = list(ticket.history.select_related("by", "team").order_by("at", "id"))
    ids = {int(e.text) for e in rows if e.kind == EventKind.ROUTING and e.text.isdigit()}
    found = {r.pk: r for r in Routing.objects.filter(pk__in=ids).select_related("facility")} if ids else {}
    for e in rows:
        routing = found.get(int(e.text)) if e.kind == EventKind.ROUTING and e.text.isdigit() else None
        e.routing = routing  # type: ignore[attr-defined]
    return rows


def team_list_visible_to(*, user) -> QuerySet[Team]:
    """Teams whose queues the user may open: their province's (operators, province officers), else theirs."""
    qs = Team.objects.filter(is_active=True).select_related("commune", "parent")
    if _is_admin(user):
        return qs
    if user.role in PROVINCE_ROLES and user.province_id:
        return qs.filter(province_id=user.province_id)
    q = Q(pk__in=team_ids_of(user=user))
    if user.role == Role.COMMUNE_OFFICER and user.commune_id:
        q |= Q(commune_id=user.commune_id)
    return qs.filter(q)


def team_list_assignable_by(*, user, province_id: int | None) -> QuerySet[Team]:
    """Teams a request of this province may be given to by this user."""
    qs = Team.objects.filter(is_active=True).select_related("commune")
    if province_id is not None:
        qs = qs.filter(province_id=province_id)
    if not _is_admin(user):
        qs = qs.filter(province_id=user.province_id) if user.province_id else qs.none()
    return qs


def team_routes(*, kinds: dict[str, str], province_id: int | None, commune_id: int | None) -> dict[str, int]:
    """team_for for several categories at once ({category: kind} -> {category: team id}), one query."""
    if province_id is None:
        return {}
    teams = list(Team.objects.filter(is_active=True, province_id=province_id).order_by("pk").values_list(
        "pk", "kind", "commune_id"))  # fmt: skip
    out = {}
    for category, kind in kinds.items():
        found = next(
            (t for t, k, c in teams if k == kind and commune_id is not None and c == commune_id), None
        )
        found = found or next((t for t, k, c in teams if k == kind and c is None), None)
        found = found or next((t for t, k, c in teams if k == TeamKind.CENTRE and c is None), None)
        if found is not None:
            out[category] = found
    return out


def team_for(*, kind: str, province_id: int | None, commune_id: int | None) -> Team | None:
    """The team of this kind serving a commune (else the province's team of that kind), else the
    province's 1022 centre: where a request goes when nobody chose a team."""
    if province_id is None:
        return None
    teams = Team.objects.filter(is_active=True, province_id=province_id)
    if commune_id is not None:
        found = teams.filter(kind=kind, commune_id=commune_id).order_by("pk").first()
        if found:
            return found
    found = teams.filter(kind=kind, commune__isnull=True).order_by("pk").first()
    return found or teams.filter(kind=TeamKind.CENTRE, commune__isnull=True).order_by("pk").first()


def team_members(*, team: Team) -> list:
    return [m.user for m in team.memberships.select_related("user").filter(user__is_active=True)]


def user_is_member(*, user, team_id: int | None) -> bool:
    return team_id is not None and TeamMember.objects.filter(user=user, team_id=team_id).exists()


# --- the queue: open tickets, most urgent first ------------------------------------------------------------


def _overdue(qs: QuerySet, value: str) -> QuerySet:
    at = timeutil.now()
    return qs.filter(due_at__lt=at) if value == "yes" else qs.filter(due_at__gte=at)


def _search(qs: QuerySet, text: str) -> QuerySet:
    """A request by its number (#12 or 12), or by the caller's phone (4 digits or more)."""
    digits = "".join(c for c in text if c.isdigit())
    number = text.strip().lstrip("#").strip()
    if number.isdigit() and len(number) < 9:
        return qs.filter(pk=int(number))
    if len(digits) >= 4 and not any(c.isalpha() for c in text):
        if looks_like_phone(text):  # a whole number: the phone index, not a scan of the queue
            return qs.filter(phone=normalise_phone(text))
        return qs.filter(phone__contains=digits[-9:])
    for word in fold(text).split():
        qs = qs.filter(caller_name__icontains=word)
    return qs


QUEUE = ListSpec(
    name="hotline_queue",
    filters=(
        Filter("q", gettext_lazy("Number, phone or name"), kind=FilterKind.TEXT, apply=_search, prominent=True,
               placeholder=gettext_lazy("e.g. 1234 or 0912...")),
        # Set by the console's queue links (a city has hundreds of teams: no select to render on every
        # page), kept as a hidden field; the rows are already those the user may see.
        Filter("team", gettext_lazy("Team"), kind=FilterKind.INT, minimum=1, lookup="team_id", in_form=False,
               help="a team's id (GET /api/v1/hotline/queues lists yours)"),
        Filter("priority", gettext_lazy("Priority"), choices=Priority.choices, api_type=int),
        Filter("category", gettext_lazy("Category"), choices=Category.choices),
        Filter("status", gettext_lazy("Status"), choices=[(s, label) for s, label in Status.choices
                                                          if s in workflow.OPEN]),
        Filter("overdue", gettext_lazy("Deadline"), choices=(("yes", gettext_lazy("past the deadline")),
                                                             ("no", gettext_lazy("within the deadline"))),
               apply=_overdue),
        commune_filter(),
    ),
    sorts=(
        Sort("urgency", gettext_lazy("Urgency"), ("priority", "due_at", "id")),
        Sort("number", gettext_lazy("Number"), ("id",)),
    ),
    default_sort="urgency",
    page_size=25,
    model=Ticket,
    index_prefixes=((), ("province",), ("team",), ("commune",)),
)  # fmt: skip


def queue_visible_to(*, user) -> QuerySet[Ticket]:
    """The open tickets the user may see (the queue's rows, before the list's filters)."""
    return ticket_list_visible_to(user=user).filter(OPEN_Q)


@dataclass
class QueueRow:
    """One team's queue at a glance (the console's left column)."""

    team_id: int | None
    name: str
    by_priority: dict[int, int] = field(default_factory=dict)
    overdue: int = 0

    @property
    def total(self) -> int:
        return sum(self.by_priority.values())

    @property
    def urgent(self) -> int:
        return self.by_priority.get(Priority.URGENT, 0)


def queue_counts(*, user, at: datetime | None = None) -> list[QueueRow]:
    """Open tickets per team (and the intake queue of those with none) by priority, and how many are
    past their deadline: one grouped read of the open-tickets index, never a count per team."""
    at = at or timeutil.now()
    # COUNT(priority), not COUNT(id): every column read is in the index ticket_open_counts, so PostgreSQL
    # answers from the index alone (an index-only scan of the open requests, no table rows read).
    rows = (
        queue_visible_to(user=user)
        .order_by()
        .values("team_id", "priority")
        .annotate(n=Count("priority"), late=Count("priority", filter=Q(due_at__lt=at)))
    )
    by_team: dict[int | None, QueueRow] = {}
    for row in rows:
        queue = by_team.setdefault(row["team_id"], QueueRow(row["team_id"], ""))
        queue.by_priority[row["priority"]] = row["n"]
        queue.overdue += row["late"]
    names = dict(Team.objects.filter(pk__in=[t for t in by_team if t]).values_list("pk", "name"))
    for team_id, queue in by_team.items():
        queue.name = names.get(team_id, "") if team_id else _("Intake (no team yet)")
    return sorted(by_team.values(), key=lambda q: (-q.urgent, -q.overdue, -q.total, q.name))


# --- the caller: who is calling, and what they asked before ---------------------------------------------


@dataclass
class CallerCard:
    phone: str
    people: list = field(default_factory=list)  # people.Person with this phone, in the operator's area
    cases: dict = field(default_factory=dict)  # person id -> active cases.Case
    tickets: list = field(default_factory=list)  # this phone's requests, newest first

    @property
    def open_tickets(self) -> list[Ticket]:
        return [t for t in self.tickets if t.is_open]


def caller_card(*, user, phone: str) -> CallerCard:
    """Everything the console shows about a phone number: the people registered with it in the
    operator's area, their active case, and the requests from that phone. The caller lookup is audited
    by the view (a personal-data read)."""
    people = list(person_list_visible_to(user=user).filter(phone=phone).select_related("commune")[:10])
    cases = {}
    for person in people:
        case = person_active_case(person_id=person.pk)
        if case is not None:
            cases[person.pk] = case
    tickets = list(ticket_list_visible_to(user=user).filter(phone=phone).order_by("-created_at", "-id")[:20])
    return CallerCard(phone=phone, people=people, cases=cases, tickets=tickets)


def person_tickets(*, user, person_id: int) -> list[Ticket]:
    return list(
        ticket_list_visible_to(user=user).filter(person_id=person_id).order_by("-created_at", "-id")[:20]
    )


@dataclass
class TicketLinks:
    """What tracing knows of a request's person, for the operator and the team: the tracing runs of
    their case (the F0's contacts, a link away) and the runs in which they are themselves a contact."""

    runs: list = field(default_factory=list)  # tracing.TracingRun of the ticket's case (contact_count)
    contact_of: list = field(default_factory=list)  # tracing.Contact rows of the person (run, case, degree)


def ticket_links(*, user, ticket: Ticket, limit: int = 10) -> TicketLinks:
    """The tracing runs of the ticket's case and where its person is a contact, within the user's
    jurisdiction (tracing's own scope rules), newest first, at most `limit` of each."""
    links = TicketLinks()
    if ticket.case_id:
        links.runs = list(
            run_list_visible_to(user=user, case_id=ticket.case_id).order_by("-ran_at", "-pk")[:limit]
        )
    if ticket.person_id:
        links.contact_of = list(contact_list_of_person(user=user, person_id=ticket.person_id)[:limit])
    return links


# --- statistics per team (for the dashboards) ------------------------------------------------------------


@dataclass
class TeamStats:
    team_id: int
    name: str
    kind: str
    open: int = 0
    overdue: int = 0
    resolved: int = 0
    median_minutes: float | None = None  # filed -> resolved, over the requests resolved in the window


def team_stats(*, user, days: int = 7, at: datetime | None = None) -> list[TeamStats]:
    """Per team the user may see: open requests, those past their deadline, and over the last `days`
    the requests resolved and the median time from filing to resolution. No personal data."""
    at = at or timeutil.now()
    teams = {t.pk: TeamStats(t.pk, t.name, t.kind) for t in team_list_visible_to(user=user)}
    if not teams:
        return []
    open_rows = (
        Ticket.objects.filter(OPEN_Q, team_id__in=list(teams))
        .order_by()
        .values("team_id")
        .annotate(n=Count("priority"), late=Count("priority", filter=Q(due_at__lt=at)))
    )
    for row in open_rows:
        teams[row["team_id"]].open, teams[row["team_id"]].overdue = row["n"], row["late"]
    durations: dict[int, list[float]] = {}
    resolved = Ticket.objects.filter(
        team_id__in=list(teams), status=Status.RESOLVED, resolved_at__gte=at - timedelta(days=days),
        resolved_at__lte=at,
    ).values_list("team_id", "created_at", "resolved_at")  # fmt: skip
    for team_id, created, closed in resolved.iterator(chunk_size=2000):
        if closed is None:  # filtered above; for the type checker
            continue
        durations.setdefault(team_id, []).append((closed - created).total_seconds() / 60)
    for team_id, values in durations.items():
        teams[team_id].resolved = len(values)
        teams[team_id].median_minutes = round(statistics.median(values), 1)
    return sorted(teams.values(), key=lambda s: (-s.overdue, -s.open, s.name))
