"""Hotline pages: the operator's console, the queues, a request's page, statistics, the citizen's web form.

Thin: parse, call one service or selector, render. Keyboard shortcuts are declared in the templates
(`data-key`) and handled by static/hotline/console.js.
"""

import json
from collections.abc import Callable
from datetime import timedelta

from django.conf import settings
from django.contrib import messages
from django.contrib.auth.decorators import login_not_required
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from epiqr.core import audit, export, timeutil
from epiqr.core.audit import CITIZEN, WRITE_THEN_REDIRECT, no_personal_data, reads_personal_data
from epiqr.core.errors import Forbidden, Invalid, ServiceError
from epiqr.core.input_guard import int_or_none
from epiqr.core.permissions import has_capability, requires
from epiqr.core.ratelimit import RateLimited, count
from epiqr.people.citizen import asker, citizen_page
from epiqr.people.selectors import people_by_id
from epiqr.people.services import PROOF_MINUTES, phone_otp_start, phone_otp_verify

from . import permissions, rules, selectors, services
from .forms import AssignForm, CallForm, CitizenRequestForm, CodeForm, LookupForm, TextForm
from .models import Category, Source, Status, TeamKind, Ticket

# --- the operator's console ----------------------------------------------------------------------------


def _mask(phone: str) -> str:
    return f"{phone[:3]}•••{phone[-3:]}" if len(phone) > 6 else "•••"


def _routes(*, province_id, commune_id) -> dict[str, int]:
    """The team the rules route each category to, for this commune (the console preselects it)."""
    ruleset = rules.ruleset_for(timeutil.local_today())
    kinds = {category: ruleset.team_kinds.get(category, TeamKind.CENTRE) for category in Category.values}
    return selectors.team_routes(kinds=kinds, province_id=province_id, commune_id=commune_id)


@requires(permissions.CONSOLE)
@reads_personal_data("hotline.console")
def console(request):
    """Take a call: the caller's phone first (their people, case and requests appear), then the
    category by its number key, the request, Ctrl+Enter. The queues are on the side."""
    user = request.user
    province_code = user.province_id or (user.commune.province_id if user.commune_id else None)
    teams = (
        list(selectors.team_list_assignable_by(user=user, province_id=province_code))
        if has_capability(user, permissions.ASSIGN)
        else []
    )
    card = None
    phone = ""
    lookup = LookupForm(request.GET if "phone" in request.GET else None)
    if request.method == "POST":
        phone = request.POST.get("phone", "")
        check = LookupForm({"phone": phone})
        phone = check.cleaned_data["phone"] if check.is_valid() else ""
    elif lookup.is_bound and lookup.is_valid():
        phone = lookup.cleaned_data["phone"]
    if phone:
        card = selectors.caller_card(user=user, phone=phone)
        # The people and requests the card loaded are recorded by the audit of this page, with what was
        # searched for (as the people list records its search).
        audit.annotate(reason=f"phone lookup: {phone}", row_count=len(card.people) + len(card.tickets))
    people = card.people if card else []
    initial = {"phone": phone}
    if len(people) == 1:
        p = people[0]
        initial.update(person=p.pk, caller_name=p.full_name, commune=p.commune_id, address=p.address)
    form = CallForm(
        request.POST if request.method == "POST" else None,
        initial=initial,
        province_code=province_code,
        people=people,
        teams=teams,
    )
    status = 200
    if request.method == "POST":
        if form.is_valid():
            d = form.cleaned_data
            try:
                ticket = services.ticket_file(
                    filing=services.Filing(
                        source=Source.CALL,
                        category=d["category"],
                        description=d["description"],
                        phone=d["phone"],
                        caller_name=d["caller_name"],
                        commune_id=d["commune"],
                        address=d["address"],
                        warning_sign=d["warning_sign"],
                        vulnerable=d["vulnerable"],
                        person_id=d["person"],
                        team_id=d["team"],
                    ),
                    actor=user,
                )
            except ServiceError as exc:
                form.add_error(exc.field if exc.field in form.fields else None, exc.message)
            else:
                messages.success(
                    request,
                    _("Request %(n)s filed: %(priority)s, %(where)s. The caller gets an SMS with its number.")
                    % {
                        "n": ticket.pk,
                        "priority": ticket.get_priority_display(),
                        "where": ticket.team.name if ticket.team else _("intake queue"),
                    },
                )
                return redirect(f"{reverse('hotline:console')}?filed={ticket.pk}")
        status = 422
    elif lookup.is_bound and not lookup.is_valid():
        status = 422
    commune_id = (people[0].commune_id if len(people) == 1 else None) if card else None
    filed = int_or_none(request.GET.get("filed"))
    return render(
        request,
        "hotline/console.html",
        {
            "lookup": lookup if not phone else LookupForm(initial={"phone": phone}),
            "form": form,
            "card": card,
            "queues": selectors.queue_counts(user=user),
            "routes": json.dumps(_routes(province_id=province_code, commune_id=commune_id)),
            "filed": filed,
            "hotline": settings.EPIQR_HOTLINE,
        },
        status=status,
    )


# --- queues and requests ------------------------------------------------------------------------------


@requires(permissions.VIEW)
@reads_personal_data("hotline.queue")
def queue(request):
    """Open requests, most urgent first: a team's queue on a phone, or the whole area at the centre."""
    page = selectors.QUEUE.get(selectors.queue_visible_to(user=request.user), request.GET, user=request.user)
    audit.annotate(row_count=len(page.items), detail=page.query.params())
    team_id = page.query.values.get("team")
    team = selectors.team_list_visible_to(user=request.user).filter(pk=team_id).first() if team_id else None
    return render(
        request,
        "hotline/queue.html",
        {
            "page": page,
            "team": team,
            "now": timeutil.now(),
            "is_operator": has_capability(request.user, permissions.CONSOLE),
        },
        status=400 if page.query.errors else 200,
    )


def _ticket_context(request, ticket, **forms):
    user = request.user
    can_work = has_capability(user, permissions.WORK)
    can_assign = has_capability(user, permissions.ASSIGN)
    teams = (
        list(selectors.team_list_assignable_by(user=user, province_id=ticket.province_id))
        if can_assign
        else []
    )
    context = {
        "ticket": ticket,
        "history": selectors.ticket_history(ticket=ticket),
        "can_work": can_work,
        "can_assign": can_assign,
        "assign_form": forms.get("assign") or AssignForm(teams=teams, initial={"team": ticket.team_id}),
        "text_form": forms.get("text") or TextForm(),
        "failed": forms.get("failed", ""),
        "now": timeutil.now(),
        "other_tickets": [
            t
            for t in (
                selectors.person_tickets(user=user, person_id=ticket.person_id) if ticket.person_id else []
            )
            if t.pk != ticket.pk
        ],
        "is_operator": has_capability(user, permissions.CONSOLE),
        "links": selectors.ticket_links(user=user, ticket=ticket),
        "Status": Status,
    }
    return context


@requires(permissions.VIEW)
@reads_personal_data("hotline.ticket_view", target=("hotline.ticket", "ticket_id"))
def ticket_detail(request, ticket_id: int):
    ticket = selectors.ticket_get_visible_to(user=request.user, ticket_id=ticket_id)
    return render(request, "hotline/ticket.html", _ticket_context(request, ticket))


ACTIONS = ("take", "release", "resolve", "cancel", "reopen", "note", "assign", "link")


@require_POST
@requires(permissions.WORK)
@no_personal_data(WRITE_THEN_REDIRECT + " (a refused action shows the request again with a 4xx status)")
def ticket_act(request, ticket_id: int):
    """One action on a request (the buttons and shortcut keys of its page)."""
    ticket = selectors.ticket_get_visible_to(user=request.user, ticket_id=ticket_id)
    action = request.POST.get("action", "")
    user = request.user
    text = TextForm(request.POST)
    assign = None
    try:
        if action not in ACTIONS:
            raise Invalid(_("Unknown action."), field="action")
        if action == "take":
            services.ticket_take(ticket=ticket, actor=user)
        elif action == "release":
            services.ticket_release(ticket=ticket, actor=user, note=request.POST.get("text", "")[:2000])
        elif action == "assign":
            teams = list(selectors.team_list_assignable_by(user=user, province_id=ticket.province_id))
            assign = AssignForm(request.POST, teams=teams)
            if not has_capability(user, permissions.ASSIGN):
                raise Forbidden(_("You are not allowed to do this."))
            if not assign.is_valid():
                raise Invalid(_("Choose a team."), field="team")
            team = next(t for t in teams if t.pk == assign.cleaned_data["team"])
            services.ticket_assign(ticket=ticket, team=team, actor=user, note=assign.cleaned_data["note"])
        elif action == "link":
            person_id = int_or_none(request.POST.get("person"))
            found = people_by_id(person_ids=[person_id]) if person_id else []
            if not found:
                raise Invalid(_("Choose a person."), field="person")
            services.ticket_link_person(ticket=ticket, person=found[0], actor=user)
        else:
            value = request.POST.get("text", "")
            kwargs = {"resolve": "resolution", "cancel": "reason", "reopen": "reason", "note": "text"}
            services_by_action: dict[str, Callable[..., object]] = {
                "resolve": services.ticket_resolve,
                "cancel": services.ticket_cancel,
                "reopen": services.ticket_reopen,
                "note": services.ticket_note,
            }
            fn = services_by_action[action]
            fn(ticket=ticket, actor=user, **{kwargs[action]: value})
    except ServiceError as exc:
        ticket = selectors.ticket_get_visible_to(user=user, ticket_id=ticket_id)
        if exc.field in ("text", "resolution", "reason", "note"):
            text = TextForm(request.POST)
            text.is_valid()
            text.add_error(None, exc.message)
        context = _ticket_context(request, ticket, text=text, assign=assign, failed=action)
        context["error"] = exc.message
        return render(request, "hotline/ticket.html", context, status=exc.status)
    done = {
        "take": _("You work on request %(n)s."),
        "release": _("Request %(n)s is back in its team's queue."),
        "resolve": _("Request %(n)s resolved; the caller is told by SMS."),
        "cancel": _("Request %(n)s cancelled."),
        "reopen": _("Request %(n)s reopened."),
        "note": _("Note added to request %(n)s."),
        "assign": _("Request %(n)s given to the team."),
        "link": _("Request %(n)s linked to the person."),
    }[action]
    messages.success(request, done % {"n": ticket.pk})
    if action in ("resolve", "cancel") and has_capability(user, permissions.CONSOLE):
        return redirect("hotline:console")
    return redirect("hotline:ticket", ticket_id=ticket.pk)


@requires(permissions.STATS)
@no_personal_data("per team: counts of requests and the median time to resolve them, no person")
def stats(request):
    """Per team: open, past the deadline, resolved and the median time to resolve; as CSV or Excel
    (`?format=csv|xlsx`) through the shared writer, for the daily report."""
    days = int_or_none(request.GET.get("days")) or 7
    days = max(1, min(days, 90))
    rows = selectors.team_stats(user=request.user, days=days)
    fmt = request.GET.get("format", "")
    if fmt in export.FORMATS:
        kinds = dict(TeamKind.choices)
        sheet = export.Sheet(
            title=_("Hotline statistics"),
            header=[_("Team"), _("Kind"), _("Open"), _("Past the deadline"),
                    _("Resolved in %(n)s days") % {"n": days}, _("Median minutes to resolve")],
            rows=[(s.name, str(kinds.get(s.kind, s.kind)), s.open, s.overdue, s.resolved, s.median_minutes)
                  for s in rows],
        )  # fmt: skip
        day = timeutil.local_today().isoformat()
        return export.response(sheet, fmt=fmt, filename=f"thong-ke-1022-{day}-{days}-ngay.{fmt}")
    return render(request, "hotline/stats.html", {"rows": rows, "days": days})


# --- the citizen's web form (a phone and a one-time code) ----------------------------------------------

DRAFT = "hotline_draft"
SENT = "hotline_sent"
FORMS_PER_ASKER_HOUR = 20  # requests started from one network in an hour
WEB_PER_PHONE_DAY = 5  # requests filed from the web for one phone number in a day


def _province_code() -> int:
    return int(settings.EPIQR_HOTLINE_PROVINCE)


def _proven_phone(request, phone: str) -> bool:
    """The phone holds a proof (SMS code or ID card) of a person whose phone on record is this number."""
    return any(p.phone == phone for p in request.citizen.proven)


def _file_web(request, draft: dict):
    return services.ticket_file(
        filing=services.Filing(
            source=Source.WEB,
            category=draft["category"],
            description=draft["description"],
            phone=draft["phone"],
            caller_name=draft["caller_name"],
            commune_id=draft["commune"],
            address=draft["address"],
            warning_sign=draft["warning_sign"],
            phone_verified=True,
        )
    )


def _too_many_today(phone: str) -> bool:
    since = timeutil.now() - timedelta(days=1)
    return (
        Ticket.objects.filter(phone=phone, source=Source.WEB, created_at__gte=since).count()
        >= WEB_PER_PHONE_DAY
    )


@login_not_required
@citizen_page
@no_personal_data(CITIZEN)
def request_form(request):
    """What the citizen needs; then a code to their phone proves the number (skipped when this phone
    already proved a person with that number on record)."""
    province_code = _province_code()
    draft = request.session.get(DRAFT) or {}
    initial = dict(draft) or {
        "category": request.GET.get("category") if request.GET.get("category") in Category.values else None
    }
    proven = request.citizen.proven if request.citizen.device is not None else []
    if not draft and proven:
        p = proven[0]
        initial.update(phone=p.phone, caller_name=p.full_name, commune=p.commune_id, address=p.address)
    form = CitizenRequestForm(request.POST if request.method == "POST" else None, initial=initial,
                              province_code=province_code)  # fmt: skip
    context = {"form": form, "hotline": settings.EPIQR_HOTLINE}
    if request.method != "POST":
        return render(request, "hotline/request.html", context)
    if not form.is_valid():
        return render(request, "hotline/request.html", context, status=422)
    d = form.cleaned_data
    draft = {
        k: d[k]
        for k in ("phone", "caller_name", "commune", "address", "category", "warning_sign", "description")
    }
    request.session[DRAFT] = draft
    try:
        if count(f"hotline-web:{asker(request)}", window=3600) > FORMS_PER_ASKER_HOUR:
            raise RateLimited(
                _("Too many requests from this network. Call %(hotline)s.")
                % {"hotline": settings.EPIQR_HOTLINE}
            )
        if _too_many_today(d["phone"]):
            raise RateLimited(
                _("This phone number sent %(n)s requests today. Call %(hotline)s to add to them.")
                % {"n": WEB_PER_PHONE_DAY, "hotline": settings.EPIQR_HOTLINE}
            )
        if request.citizen.device is not None and _proven_phone(request, d["phone"]):
            ticket = _file_web(request, draft)
            request.session.pop(DRAFT, None)
            request.session[SENT] = ticket.pk
            return redirect("hotline:request_sent")
        phone_otp_start(device=request.citizen.device_obtain(), ip=asker(request), phone=d["phone"])
    except ServiceError as exc:
        context["error"] = exc.message
        return render(request, "hotline/request.html", context, status=exc.status)
    return redirect("hotline:request_code")


@login_not_required
@citizen_page
@no_personal_data(CITIZEN)
def request_code(request):
    """The code the SMS brought proves the phone; the request is then filed."""
    draft = request.session.get(DRAFT)
    if not draft:
        return redirect("hotline:request")
    form = CodeForm(request.POST if request.method == "POST" and "code" in request.POST else None)
    context = {
        "form": form,
        "masked": _mask(draft["phone"]),  # enough to recognise one's number, not to read someone else's
        "hotline": settings.EPIQR_HOTLINE,
        "minutes": PROOF_MINUTES,
    }
    if request.method != "POST":
        return render(request, "hotline/request_code.html", context)
    device = request.citizen.device
    try:
        if "resend" in request.POST:
            phone_otp_start(device=request.citizen.device_obtain(), ip=asker(request), phone=draft["phone"])
            context["resent"] = True
            return render(request, "hotline/request_code.html", context)
        if device is None:
            raise Invalid(_("Ask for a code first."), field="code")
        if not form.is_valid():
            return render(request, "hotline/request_code.html", context, status=422)
        phone = phone_otp_verify(device=device, code=form.cleaned_data["code"])
        if phone != draft["phone"]:
            raise Invalid(_("This code was sent for another number. Ask for a new code."), field="code")
        ticket = _file_web(request, draft)
    except ServiceError as exc:
        if exc.field == "code":
            form.add_error("code", exc.message)
        else:
            context["error"] = exc.message
        return render(request, "hotline/request_code.html", context, status=exc.status)
    request.session.pop(DRAFT, None)
    request.session[SENT] = ticket.pk
    return redirect("hotline:request_sent")


@login_not_required
@citizen_page
@no_personal_data(CITIZEN)
def request_sent(request):
    """The number of the request this browser just sent (nothing else of it)."""
    number = request.session.get(SENT)
    if not number:
        return redirect("hotline:request")
    return render(request, "hotline/request_sent.html", {"number": number, "hotline": settings.EPIQR_HOTLINE})
