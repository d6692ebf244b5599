"""Writes of the hotline: filing a request, moving it through its status machine, escalation, SMS.

Every status change goes through `_move` (the one guard over workflow.TRANSITIONS, writing the history row
in the same transaction). Callers resolve the ticket inside the user's scope first
(`selectors.ticket_get_visible_to`); the services check the capability before writing. Times come from
`core.timeutil.now()` (tests move that clock), or the `at` a caller passes.
"""

from __future__ import annotations

import logging
from dataclasses import dataclass
from datetime import datetime, timedelta

from django.conf import settings
from django.db import IntegrityError, transaction
from django.db.models import F, Q
from django.utils import translation
from django.utils.translation import gettext as _

from epiqr.accounts.models import User
from epiqr.care import services as care_services
from epiqr.care.models import Routing, RoutingStatus
from epiqr.care.selectors import patient_for_case
from epiqr.cases.selectors import person_active_case
from epiqr.core import events, timeutil
from epiqr.core.errors import Conflict, Forbidden, Invalid
from epiqr.core.permissions import has_capability
from epiqr.core.services import audit_record
from epiqr.geo.models import Commune
from epiqr.notify.services import message_send_template
from epiqr.people.phones import normalise_phone
from epiqr.people.selectors import people_by_id, person_list_visible_to

from . import permissions, rules, selectors, workflow
from .events import TICKET_CLOSED, TICKET_ESCALATED, TICKET_FILED
from .models import OPEN_Q, Category, EventKind, Source, Status, Team, TeamKind, Ticket, TicketEvent

log = logging.getLogger(__name__)

DESCRIPTION_MAX = 4000
NOTE_MAX = 2000
NAME_MAX = 120
ADDRESS_MAX = 255


def _now(at: datetime | None = None) -> datetime:
    return at or timeutil.now()


def _require(user, capability: str) -> None:
    if user is not None and not has_capability(user, capability):
        raise Forbidden(_("You are not allowed to do this."), code="forbidden")


def _clean_text(value: str, *, field: str, limit: int, required: bool = False, label: str = "") -> str:
    text = (value or "").strip()
    if any(ord(c) < 32 and c not in "\n\r\t" for c in text):
        raise Invalid(_("This text contains a character that is not allowed."), field=field)
    if required and not text:
        raise Invalid(_("%(label)s is required.") % {"label": label or field}, field=field)
    if len(text) > limit:
        raise Invalid(_("At most %(n)d characters.") % {"n": limit}, field=field)
    return text


def _phone(value: str) -> str:
    return normalise_phone(value) if (value or "").strip() else ""


def _event(
    ticket: Ticket, kind: str, *, actor: User | None = None, at: datetime, text: str = "", **fields
) -> TicketEvent:
    return TicketEvent.objects.create(
        ticket=ticket,
        kind=kind,
        by=actor if getattr(actor, "is_authenticated", False) else None,
        at=at,
        text=text[:NOTE_MAX],
        level=ticket.level,
        **fields,
    )


# --- filing -------------------------------------------------------------------------------------------


@dataclass(frozen=True)
class Filing:
    """What a request says, whoever files it (the console, the web form, EpiQR itself)."""

    source: str
    category: str
    description: str
    phone: str = ""
    caller_name: str = ""
    commune_id: int | None = None
    address: str = ""
    warning_sign: bool = False
    vulnerable: bool = False
    severity: int = 0
    person_id: int | None = None
    team_id: int | None = None
    phone_verified: bool = False
    system_key: str | None = None
    alert: str = ""  # rules.ALERTS: the alert that raised a request EpiQR files itself
    origin: str = ""  # what raised it ("camera:<id>"): one open request per origin


def ticket_decide(
    *, category: str, source: str, warning_sign: bool, vulnerable: bool, severity: int, person=None,
    case=None, at: datetime | None = None, alert: str = "",
) -> rules.Decision:  # fmt: skip
    """The priority, deadline and kind of team the rules in force give these facts."""
    day = timeutil.local(_now(at)).date()
    vulnerable = vulnerable or (
        person is not None and rules.is_vulnerable_age(birth_year=person.birth_year, today=day)
    )
    facts = rules.Facts(
        category=category,
        source=source,
        active_case=case is not None,
        warning_sign=warning_sign,
        severity=severity,
        vulnerable=vulnerable,
        alert=alert,
    )
    return rules.decide(facts, rules.ruleset_for(day))


@transaction.atomic
def ticket_file(
    *, filing: Filing, actor: User | None = None, at: datetime | None = None, notify: bool = True
) -> Ticket:
    """File a request: the rules give its priority and deadline; a chosen team (or, for requests EpiQR
    raises, the team the rules route it to) takes it at once, else it waits in the intake queue. The
    caller gets an SMS with the request's number.

    `by` is the operator taking the call (None for the web form and for EpiQR itself)."""
    at = _now(at)
    if filing.source == Source.CALL:
        if actor is None:
            raise Invalid(_("A call is filed by the operator who took it."), field="source")
        _require(actor, permissions.CONSOLE)
    if filing.source not in Source.values:
        raise Invalid(_("Unknown source."), field="source")
    if filing.category not in Category.values:
        raise Invalid(_("Choose a category."), field="category")
    if not 0 <= filing.severity <= 3:
        raise Invalid(_("Severity goes from 0 to 3."), field="severity")
    description = _clean_text(
        filing.description, field="description", limit=DESCRIPTION_MAX, required=True, label=_("The request")
    )
    caller_name = _clean_text(filing.caller_name, field="caller_name", limit=NAME_MAX)
    address = _clean_text(filing.address, field="address", limit=ADDRESS_MAX)
    phone = _phone(filing.phone)
    if filing.source != Source.SYSTEM and not phone:
        raise Invalid(_("Enter the caller's phone number."), field="phone")
    commune = None
    if filing.commune_id is not None:
        commune = Commune.objects.filter(pk=filing.commune_id).select_related("province").first()
        if commune is None:
            raise Invalid(_("Unknown commune."), field="commune")
    person = case = None
    if filing.person_id is not None:
        found = people_by_id(person_ids=[filing.person_id])
        if not found:
            raise Invalid(_("Unknown person."), field="person")
        person = found[0]
        if actor is not None and not _person_visible(user=actor, person=person):
            raise Forbidden(_("This person is not in your area."), code="forbidden", field="person")
        case = person_active_case(person_id=person.pk)
        if commune is None and person.commune_id:
            commune = Commune.objects.select_related("province").get(pk=person.commune_id)
        caller_name = caller_name or person.full_name
        address = address or person.address
    province_id = commune.province_id if commune else getattr(actor, "province_id", None)
    decision = ticket_decide(
        category=filing.category,
        source=filing.source,
        warning_sign=filing.warning_sign,
        vulnerable=filing.vulnerable,
        severity=filing.severity,
        person=person,
        case=case,
        at=at,
        alert=filing.alert,
    )
    team = None
    if filing.team_id is not None:
        team = Team.objects.filter(pk=filing.team_id, is_active=True).first()
        if team is None or (province_id is not None and team.province_id != province_id):
            raise Invalid(_("Choose a team of the request's province."), field="team")
        if actor is not None:
            _require(actor, permissions.ASSIGN)
            if (
                not selectors.team_list_assignable_by(user=actor, province_id=team.province_id)
                .filter(pk=team.pk)
                .exists()
            ):
                raise Forbidden(_("You cannot give requests to this team."), code="forbidden", field="team")
        province_id = province_id or team.province_id
    elif filing.source == Source.SYSTEM:
        team = selectors.team_for(
            kind=decision.team_kind, province_id=province_id, commune_id=commune.pk if commune else None
        )
    ticket = Ticket(
        source=filing.source,
        category=filing.category,
        priority=decision.priority,
        priority_reason=decision.reason,
        rules=decision.ruleset,
        status=Status.ASSIGNED if team else Status.NEW,
        caller_name=caller_name,
        phone=phone,
        phone_verified=filing.phone_verified,
        province_id=province_id,
        commune=commune,
        address=address,
        description=description,
        warning_sign=filing.warning_sign,
        vulnerable=filing.vulnerable,
        severity=filing.severity,
        team=team,
        due_at=at + timedelta(minutes=decision.deadline_minutes),
        person=person,
        case=case,
        created_by=actor if getattr(actor, "is_authenticated", False) else None,
        created_at=at,
        system_key=filing.system_key,
        origin=filing.origin[:40],
    )
    ticket.save()
    _event(
        ticket,
        EventKind.CREATED,
        actor=actor,
        at=at,
        to_status=ticket.status,
        team=team,
        text=decision.reason,
    )  # fmt: skip  (a message id: the page shows it in the reader's language)
    if team is not None:
        _event(ticket, EventKind.ASSIGNED, actor=actor, at=at, team=team, to_status=ticket.status)
        _tell_team_if_urgent(ticket)
    if notify and ticket.phone:
        _sms(ticket, template="hotline_filed", at=at)
    events.emit(
        TICKET_FILED, ticket_id=ticket.pk, category=ticket.category, priority=ticket.priority,
        source=ticket.source, team_id=ticket.team_id,
    )  # fmt: skip
    ticket_route(ticket=ticket, actor=actor, at=at)
    return ticket


def _person_visible(*, user, person) -> bool:
    return person_list_visible_to(user=user).filter(pk=person.pk).exists()


def ticket_raise(
    *, key: str, person_id: int | None, case_id: int | None, reason: str, severity: int = 1,
    warning_sign: bool = False, category: str = Category.F0_CARE, alert: str = "", origin: str = "",
    commune_id: int | None = None, address: str = "", notify: bool = True, at: datetime | None = None,
) -> Ticket | None:  # fmt: skip
    """A request raised by EpiQR itself: a home-care warning sign, a missed self-report (care), symptoms
    or a missed diary day in quarantine, a camera's crowd or quarantined-door alert (`alert`, rules.ALERTS).

    - One request per alert: `key` names the alert ("care_report_missed:<person>:<slot>"); the same key
      again returns the request it filed.
    - No flood: while a request raised by the same `origin` ("camera:<id>", "quarantine:<id>") is open, or,
      without an origin, a request EpiQR raised for the person from home care, a new alert goes into its
      history instead (a person unreachable for a day is one request, not one per slot; a crowd that
      lasts is one request), and the rules may raise its priority (never lower it).
    - Else a new request for the person's commune (or `commune_id`), routed by the rules to the kind of
      team they name for the alert or the category, with their priority and deadline.
    None when the person is unknown (logged: the alert's domain filed it for a person since deleted)."""
    at = _now(at)
    person = None
    if person_id is not None:
        found = people_by_id(person_ids=[person_id])
        if not found:
            log.warning("hotline: alert %s for unknown person %s", key, person_id)
            return None
        person = found[0]
    key = key[:120]
    origin = origin[:40]
    text = (reason or "").strip()[:DESCRIPTION_MAX] or _("Alert from home care")
    severity = max(0, min(3, int(severity)))
    existing = Ticket.objects.filter(system_key=key).first()
    if existing is not None:
        return existing
    if origin:
        open_alert = Ticket.objects.filter(OPEN_Q, origin=origin).order_by("-created_at").first()
    elif person is not None:
        open_alert = (
            Ticket.objects.filter(OPEN_Q, source=Source.SYSTEM, person_id=person.pk, origin="")
            .order_by("-created_at")
            .first()
        )
    else:
        open_alert = None
    if open_alert is not None:
        return _alert_add(
            ticket=open_alert, text=text, severity=severity, warning_sign=warning_sign, alert=alert, at=at
        )
    try:
        with transaction.atomic():
            return ticket_file(
                filing=Filing(
                    source=Source.SYSTEM,
                    category=category,
                    description=text,
                    phone=person.phone if person is not None else "",
                    commune_id=commune_id if commune_id is not None else getattr(person, "commune_id", None),
                    address=address,
                    warning_sign=warning_sign,
                    severity=severity,
                    person_id=person.pk if person is not None else None,
                    system_key=key,
                    alert=alert,
                    origin=origin,
                ),
                at=at,
                notify=notify,
            )
    except IntegrityError:  # the same alert filed at the same moment by another process
        return Ticket.objects.filter(system_key=key).first()


@transaction.atomic
def _alert_add(
    *, ticket: Ticket, text: str, severity: int, warning_sign: bool, at: datetime, alert: str = ""
) -> Ticket:
    """A new alert while its request is still open: a line in its history (the alert's text); a warning
    sign, a higher severity or a more pressing kind of alert raises the priority by the rules and
    shortens the deadline, and an urgent request tells its team again (and, medical, asks care for a bed)."""
    locked = Ticket.objects.select_for_update().get(pk=ticket.pk)
    changes: dict = {}
    if warning_sign and not locked.warning_sign:
        changes["warning_sign"] = True
    if severity > locked.severity:
        changes["severity"] = severity
    if changes or alert:
        decision = ticket_decide(
            category=locked.category, source=locked.source,
            warning_sign=changes.get("warning_sign", locked.warning_sign), vulnerable=locked.vulnerable,
            severity=changes.get("severity", locked.severity), case=locked.case, at=at, alert=alert,
        )  # fmt: skip
        if decision.priority < locked.priority:
            changes.update(
                priority=decision.priority,
                priority_reason=decision.reason,
                due_at=min(locked.due_at, at + timedelta(minutes=decision.deadline_minutes)),
            )
        for name, value in changes.items():
            setattr(locked, name, value)
        locked.save(update_fields=list(changes))
    _event(locked, EventKind.ALERT, at=at, text=text, team=locked.team)
    if "priority" in changes:
        _tell_team_if_urgent(locked)
    ticket_route(ticket=locked, actor=None, at=at)
    return locked


# --- urgent medical requests ask the care domain for a bed ----------------------------------------------

MEDICAL = frozenset({rules.F0_CARE, rules.EMERGENCY})
OPEN_ROUTING = (RoutingStatus.PROPOSED, RoutingStatus.ESCALATED)
# The history line of a routing: "<routing id>" when care proposed or escalated, else why not ("no_route:").
NO_ROUTE = "no_route:"


def routing_open_for_case(*, case_id: int) -> Routing | None:
    """The care routing still waiting for a decision for this case's patient (proposed to a facility, or
    escalated to the province), if any."""
    patient = patient_for_case(case_id=case_id)
    if patient is None:
        return None
    return (
        Routing.objects.filter(patient=patient, status__in=OPEN_ROUTING)
        .select_related("facility")
        .order_by("-proposed_at", "-id")
        .first()
    )


def ticket_route(*, ticket: Ticket, actor: User | None, at: datetime | None = None) -> Routing | None:
    """An open, urgent medical request (an F0 needing care, an emergency) of a person with an active case
    asks the care domain for a bed: `care.services.routing_propose` with the case. Idempotent: while a
    routing for the patient waits for a decision (proposed, or escalated to the province), no second one
    is proposed: the request is linked to that one. The proposal (facility and distance, or escalated to
    the province) goes in the request's history; when care cannot route (its care ended, no known
    location) the history says why and the request goes on as it is. None when nothing applies."""
    at = _now(at)
    if not (
        ticket.status in workflow.OPEN
        and ticket.priority == rules.URGENT
        and ticket.category in MEDICAL
        and ticket.case_id is not None
    ):
        return None
    routing = routing_open_for_case(case_id=ticket.case_id)
    if routing is not None and routing.pk == ticket.routing_id:
        return routing  # already linked and shown
    if routing is None:
        # Care keeps the reason as text and shows it to coordinators in either language: a reference
        # that reads the same in both (the request's own page says why it is urgent), not a sentence
        # frozen in the language of the moment it was written.
        try:
            with transaction.atomic():
                routing = care_services.routing_propose(
                    case_id=ticket.case_id, actor=actor, reason=f"1022 #{ticket.pk}"
                )
        except (Invalid, Conflict) as exc:
            _event(ticket, EventKind.ROUTING, actor=actor, at=at, team=ticket.team,
                   text=f"{NO_ROUTE}{exc.message}")  # fmt: skip
            return None
    Ticket.objects.filter(pk=ticket.pk).update(routing=routing)
    ticket.routing = routing
    _event(ticket, EventKind.ROUTING, actor=actor, at=at, team=ticket.team, text=str(routing.pk))
    return routing


# --- the status machine -------------------------------------------------------------------------------


def _move(ticket: Ticket, to: str, *, actor: User | None, at: datetime, text: str = "", **changes) -> Ticket:
    """The one guard: refuses a move workflow.TRANSITIONS does not allow, applies it, writes history."""
    locked = Ticket.objects.select_for_update().get(pk=ticket.pk)
    if locked.status != ticket.status:
        raise Conflict(_("Someone changed this request a moment ago: look at it again."), code="changed")
    for name, value in changes.items():
        setattr(locked, name, value)
    reason = workflow.check(
        locked.status, to, has_team=locked.team_id is not None, has_assignee=locked.assignee_id is not None
    )
    if reason:
        raise Conflict(translation.gettext(reason), code="bad_transition")
    frm = locked.status
    locked.status = to
    if to in workflow.CLOSED:
        locked.resolved_at = at
    elif frm in workflow.CLOSED:
        locked.resolved_at = None
    locked.save()
    _event(
        locked,
        EventKind.STATUS,
        actor=actor,
        at=at,
        from_status=frm,
        to_status=to,
        text=text,
        team=locked.team,
    )
    if to in workflow.CLOSED:
        events.emit(
            TICKET_CLOSED, ticket_id=locked.pk, team_id=locked.team_id, status=to,
            minutes_open=round((at - locked.created_at).total_seconds() / 60),
        )  # fmt: skip
    return locked


def _may_work(*, user, ticket: Ticket) -> None:
    """Team work on a ticket: its team's members, the province's operators and officers, administrators."""
    _require(user, permissions.WORK)
    if user.is_superuser or user.role in selectors.PROVINCE_ROLES or user.role == "admin":
        return
    if selectors.user_is_member(user=user, team_id=ticket.team_id):
        return
    if user.commune_id and ticket.commune_id == user.commune_id:
        return
    raise Forbidden(_("Only the request's team works on it."), code="not_your_team")


@transaction.atomic
def ticket_assign(
    *, ticket: Ticket, team: Team, actor: User, note: str = "", at: datetime | None = None
) -> Ticket:
    """Give the request to a team (or move it to another): it joins that team's queue, nobody on it yet."""
    at = _now(at)
    _require(actor, permissions.ASSIGN)
    note = _clean_text(note, field="note", limit=NOTE_MAX)
    if (
        not selectors.team_list_assignable_by(user=actor, province_id=ticket.province_id)
        .filter(pk=team.pk)
        .exists()
    ):
        raise Forbidden(_("You cannot give requests to this team."), code="forbidden", field="team")
    if ticket.team_id == team.pk and ticket.status == Status.ASSIGNED:
        raise Conflict(_("The request is already in this team's queue."), code="same_team")
    ticket = _move(ticket, Status.ASSIGNED, actor=actor, at=at, text=note, team=team, assignee=None,
                   province_id=ticket.province_id or team.province_id)  # fmt: skip
    _event(ticket, EventKind.ASSIGNED, actor=actor, at=at, team=team, text=note)
    _tell_team_if_urgent(ticket)
    return ticket


@transaction.atomic
def ticket_take(*, ticket: Ticket, actor: User, at: datetime | None = None) -> Ticket:
    """A member of the team takes the request: in progress, under their name."""
    at = _now(at)
    _may_work(user=actor, ticket=ticket)
    if ticket.status == Status.IN_PROGRESS and ticket.assignee_id == actor.pk:
        raise Conflict(_("You already work on this request."), code="already_taken")
    return _move(ticket, Status.IN_PROGRESS, actor=actor, at=at, assignee=actor)


@transaction.atomic
def ticket_release(*, ticket: Ticket, actor: User, note: str = "", at: datetime | None = None) -> Ticket:
    """Hand the request back to its team's queue."""
    at = _now(at)
    _may_work(user=actor, ticket=ticket)
    note = _clean_text(note, field="note", limit=NOTE_MAX)
    return _move(ticket, Status.ASSIGNED, actor=actor, at=at, text=note, assignee=None)


@transaction.atomic
def ticket_resolve(*, ticket: Ticket, actor: User, resolution: str, at: datetime | None = None) -> Ticket:
    """Close the request as done, saying what was done; the caller is told by SMS."""
    at = _now(at)
    _may_work(user=actor, ticket=ticket)
    resolution = _clean_text(
        resolution, field="resolution", limit=1000, required=True, label=_("What was done")
    )
    ticket = _move(ticket, Status.RESOLVED, actor=actor, at=at, text=resolution, resolution=resolution)
    if ticket.phone:
        _sms(ticket, template="hotline_resolved", at=at)
    return ticket


@transaction.atomic
def ticket_cancel(*, ticket: Ticket, actor: User, reason: str, at: datetime | None = None) -> Ticket:
    """Close the request without doing it (a duplicate, a prank, the caller withdrew), with the reason."""
    at = _now(at)
    _may_work(user=actor, ticket=ticket)
    reason = _clean_text(reason, field="reason", limit=1000, required=True, label=_("The reason"))
    return _move(ticket, Status.CANCELLED, actor=actor, at=at, text=reason, resolution=reason)


@transaction.atomic
def ticket_reopen(*, ticket: Ticket, actor: User, reason: str, at: datetime | None = None) -> Ticket:
    """Open a closed request again (the caller called back): back in its team's queue with a new deadline."""
    at = _now(at)
    _may_work(user=actor, ticket=ticket)
    reason = _clean_text(reason, field="reason", limit=1000, required=True, label=_("The reason"))
    ruleset = rules.ruleset_by_label(ticket.rules) or rules.ruleset_for(timeutil.local(at).date())
    to = workflow.reopen_status(has_team=ticket.team_id is not None)
    return _move(
        ticket, to, actor=actor, at=at, text=reason, assignee=None, resolution="", escalated_due_at=None,
        due_at=at + timedelta(minutes=ruleset.deadline(ticket.category, ticket.priority)),
    )  # fmt: skip


@transaction.atomic
def ticket_note(*, ticket: Ticket, actor: User, text: str, at: datetime | None = None) -> TicketEvent:
    at = _now(at)
    _may_work(user=actor, ticket=ticket)
    text = _clean_text(text, field="text", limit=NOTE_MAX, required=True, label=_("The note"))
    return _event(ticket, EventKind.NOTE, actor=actor, at=at, text=text, team=ticket.team)


@transaction.atomic
def ticket_link_person(*, ticket: Ticket, person, actor: User, at: datetime | None = None) -> Ticket:
    """Link the request to a registered person (and their active case). The rules then look again: an F0
    with a warning sign becomes urgent; a priority is never lowered by a link."""
    at = _now(at)
    _may_work(user=actor, ticket=ticket)
    if not _person_visible(user=actor, person=person):
        raise Forbidden(_("This person is not in your area."), code="forbidden", field="person")
    locked = Ticket.objects.select_for_update().get(pk=ticket.pk)
    case = person_active_case(person_id=person.pk)
    decision = ticket_decide(
        category=locked.category, source=locked.source, warning_sign=locked.warning_sign,
        vulnerable=locked.vulnerable, severity=locked.severity, person=person, case=case, at=locked.created_at,
    )  # fmt: skip
    changes = {"person": person, "case": case}
    if decision.priority < locked.priority:
        changes.update(
            priority=decision.priority,
            priority_reason=decision.reason,
            due_at=min(locked.due_at, locked.created_at + timedelta(minutes=decision.deadline_minutes)),
        )
    Ticket.objects.filter(pk=locked.pk).update(**changes)
    for name, value in changes.items():
        setattr(ticket, name, value)
    _event(ticket, EventKind.LINKED, actor=actor, at=at, text=person.full_name, team=ticket.team)
    audit_record(actor=actor, action="hotline.link_person", target=ticket, detail={"person": person.pk})
    ticket_route(ticket=ticket, actor=actor, at=at)
    return ticket


# --- escalation ----------------------------------------------------------------------------------------

ESCALATE_BATCH = 500
ESCALATED_AT_TOP = "top"  # the text of an escalation row when the top-level team was told again


def tickets_escalate_due(*, at: datetime | None = None, limit: int = ESCALATE_BATCH) -> list[int]:
    """Escalate every open request past its deadline that was not yet escalated for that deadline.
    Safe to run twice, or on two hosts at once: a request escalates once per deadline."""
    at = _now(at)
    due = (
        Ticket.objects.filter(OPEN_Q, due_at__lte=at)
        .filter(Q(escalated_due_at__isnull=True) | Q(escalated_due_at__lt=F("due_at")))
        .order_by("due_at", "id")
        .values_list("pk", flat=True)[:limit]
    )
    return [pk for pk in list(due) if ticket_escalate(ticket_id=pk, at=at)]


@transaction.atomic
def ticket_escalate(*, ticket_id: int, at: datetime | None = None) -> bool:
    """One request past its deadline goes up a level: to its team's parent (or the province's 1022 centre
    from the intake queue) with a new deadline, and the next level is told. At the top, the top team is
    told once for that deadline. False when there was nothing to do (already escalated, closed)."""
    at = _now(at)
    ticket = (
        Ticket.objects.select_for_update(of=("self",)).select_related("team").filter(pk=ticket_id).first()
    )
    if (
        ticket is None
        or ticket.status not in workflow.OPEN
        or ticket.due_at > at
        or (ticket.escalated_due_at is not None and ticket.escalated_due_at >= ticket.due_at)
    ):
        return False
    missed = ticket.due_at
    nxt = _next_level(ticket)
    frm = ticket.status
    if nxt is not None:
        ruleset = rules.ruleset_by_label(ticket.rules) or rules.ruleset_for(timeutil.local(at).date())
        ticket.level += 1
        ticket.team = nxt
        ticket.assignee = None
        ticket.status = Status.ASSIGNED
        ticket.due_at = at + timedelta(minutes=ruleset.deadline(ticket.category, ticket.priority))
        ticket.escalated_due_at = missed
        text = ""
    else:
        ticket.escalated_due_at = missed
        text = ESCALATED_AT_TOP
    ticket.save()
    _event(
        ticket,
        EventKind.ESCALATED,
        at=at,
        from_status=frm,
        to_status=ticket.status,
        team=ticket.team,
        text=text,
    )
    told = _tell_team(ticket, template="hotline_escalated", missed=missed)
    _emit_escalated(ticket, missed=missed, told=told)
    return True


def _next_level(ticket: Ticket) -> Team | None:
    if ticket.team is not None:
        parent = ticket.team.parent
        return parent if parent is not None and parent.is_active else None
    centre = selectors.team_for(kind=TeamKind.CENTRE, province_id=ticket.province_id, commune_id=None)
    return centre


def _emit_escalated(ticket: Ticket, *, missed: datetime, told: int) -> None:
    events.emit(
        TICKET_ESCALATED, ticket_id=ticket.pk, team_id=ticket.team_id, level=ticket.level,
        missed_deadline=missed.isoformat(),
    )  # fmt: skip


# --- messages ------------------------------------------------------------------------------------------


def _sms(ticket: Ticket, *, template: str, at: datetime) -> None:
    """An SMS to the caller (in Vietnamese, as every SMS EpiQR sends); its outcome goes in the history."""
    with translation.override("vi"):
        row = message_send_template(
            channel="sms",
            recipient=ticket.phone,
            template=template,
            context={
                "ticket": ticket,
                "hotline": settings.EPIQR_HOTLINE,
                "base_url": settings.PUBLIC_BASE_URL,
            },
            related=ticket,
        )
    # The template's name (and "failed"): the page says what was sent in the reader's language.
    _event(ticket, EventKind.SMS, at=at, team=ticket.team,
           text=template if row.status == "sent" else f"{template} failed")  # fmt: skip


def _tell_team(ticket: Ticket, *, template: str, missed: datetime | None = None) -> int:
    """Tell every active member of the ticket's team (email when they have one, else SMS)."""
    if ticket.team is None:
        return 0
    told = 0
    with translation.override("vi"):
        for user in selectors.team_members(team=ticket.team):
            channel, recipient = ("email", user.email) if user.email else ("sms", user.phone)
            if not recipient:
                continue
            message_send_template(
                channel=channel,
                recipient=recipient,
                template=template,
                context={
                    "ticket": ticket,
                    "missed": missed,
                    "reason": translation.gettext(ticket.priority_reason) if ticket.priority_reason else "",
                    "base_url": settings.PUBLIC_BASE_URL,
                },
                related=ticket,
            )
            told += 1
    return told


def _tell_team_if_urgent(ticket: Ticket) -> None:
    if ticket.priority == rules.URGENT:
        _tell_team(ticket, template="hotline_urgent")
