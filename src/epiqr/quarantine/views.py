"""Quarantine pages: the commune team's lists (in quarantine, due a test, no diary today, symptoms), the
call log, a quarantine's page (its policy in words, its days and diary, calls, open a case), and the
contact's own diary on their phone. Thin: parse, call one service or selector, render."""

from contextlib import nullcontext

from django.contrib import messages
from django.contrib.auth.decorators import login_not_required
from django.http import QueryDict
from django.shortcuts import redirect, render
from django.template.loader import render_to_string
from django.urls import reverse
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from epiqr.core import audit, export
from epiqr.core.audit import CITIZEN, WRITE_THEN_REDIRECT, no_personal_data, reads_personal_data
from epiqr.core.errors import Invalid, ServiceError
from epiqr.core.input_guard import int_or_none
from epiqr.core.permissions import has_capability, requires
from epiqr.core.replica import replica_ok
from epiqr.core.timeutil import local, local_today
from epiqr.people.citizen import proof_required
from epiqr.tracing import selectors as tracing_selectors

from . import permissions, selectors, services
from .forms import CallForm, DiaryForm
from .models import Source, Status


def _export_format(request) -> str | None:
    fmt = request.GET.get("format", "")
    return fmt if fmt in export.FORMATS else None


@requires(permissions.VIEW)
@reads_personal_data("quarantine.list")
def home(request):
    """The commune team's list: contacts in quarantine or self-monitoring, with what is due today. A heavy
    read the replica may serve, except right after the user's own assignment (the redirect that brings
    its message here): that page reads the primary so the change shows."""
    with nullcontext() if len(messages.get_messages(request)) else replica_ok():
        return _home(request)


def _home(request):
    qs = selectors.quarantine_list_visible_to(user=request.user)
    fmt = _export_format(request)
    if fmt:
        return _export(request, qs, fmt)
    page = selectors.QUARANTINES.get(qs, request.GET, user=request.user)
    audit.annotate(row_count=len(page.items), detail=page.query.params())
    today = local_today()
    for q in page.items:
        q.test_today = today.isoformat() in q.test_days
    return render(
        request,
        "quarantine/home.html",
        {
            "page": page,
            "today": today,
            "can_export": has_capability(request.user, permissions.EXPORT),
            "can_follow": has_capability(request.user, permissions.FOLLOW),
            "team": selectors.team_of(user=request.user),
        },
        status=400 if page.query.errors else 200,
    )


def _export(request, qs, fmt: str):
    if not has_capability(request.user, permissions.EXPORT):
        return render(
            request, "core/refused.html", {"message": _("You are not allowed to do this.")}, status=403
        )
    query = selectors.QUARANTINES.parse(request.GET, user=request.user)
    if query.errors:
        return render(
            request, "core/refused.html", {"message": next(iter(query.errors.values()))}, status=400
        )
    narrowed = selectors.QUARANTINES.narrow(qs, query)
    audit.annotate(detail={"export": fmt, **query.params()})
    rows = (
        [
            q.pk,
            q.person.full_name,
            q.person.phone,
            q.commune.name if q.commune else "",
            f"F{q.degree}",
            q.source_case_id,
            q.get_status_display(),
            q.last_exposure.isoformat(),
            q.end.isoformat() if q.end else "",
            q.follow_until.isoformat(),
            " ".join(q.test_days),
            local(q.symptoms_at).strftime("%Y-%m-%d %H:%M") if q.symptoms_at else "",
        ]
        for q in narrowed.iterator(chunk_size=2000)
    )
    sheet = export.Sheet(
        title=_("Quarantine"),
        header=[_("Number"), _("Name"), _("Phone"), _("Commune / ward"), _("Degree"), _("F0 case"), _("Status"),
                _("Last exposure"), _("Quarantine until"), _("Followed until"), _("Test days"),
                _("Symptoms reported")],
        rows=rows,
    )  # fmt: skip
    return export.response(sheet, fmt=fmt, filename=f"cach-ly-{local_today().isoformat()}.{fmt}")


@require_POST
@requires(permissions.FOLLOW)
@no_personal_data(WRITE_THEN_REDIRECT + " (a refused assignment says why on the list it came from)")
def assign(request):
    """Give the ticked contacts to a member of the commune team (or to nobody)."""
    ids = [i for i in (int_or_none(v) for v in request.POST.getlist("quarantine")) if i is not None]
    raw = request.POST.get("assignee", "")
    assignee_id = None if raw in ("", "none") else int_or_none(raw)
    try:
        if raw not in ("", "none") and assignee_id is None:
            raise Invalid(_("Choose a member of the team."), field="assignee")
        n = services.quarantines_assign(actor=request.user, quarantine_ids=ids, assignee_id=assignee_id)
    except ServiceError as exc:
        return render(request, "core/refused.html", {"message": exc.message}, status=exc.status)
    messages.success(request, _("%(n)s contacts assigned.") % {"n": n})
    back = QueryDict(request.POST.get("back", "")).urlencode()  # the list's filters, re-encoded
    return redirect(reverse("quarantine:home") + (f"?{back}" if back else ""))


@requires(permissions.VIEW)
@reads_personal_data("quarantine.calls")
@replica_ok()
def calls(request):
    """The call log: who of the team called which contact, when, and what came of it."""
    qs = selectors.call_list_visible_to(user=request.user)
    fmt = _export_format(request)
    if fmt:
        if not has_capability(request.user, permissions.EXPORT):
            return render(
                request, "core/refused.html", {"message": _("You are not allowed to do this.")}, status=403
            )
        query = selectors.CALLS.parse(request.GET, user=request.user)
        if query.errors:
            return render(
                request, "core/refused.html", {"message": next(iter(query.errors.values()))}, status=400
            )
        audit.annotate(detail={"export": fmt, **query.params()})
        rows = (
            [
                local(c.at).strftime("%Y-%m-%d %H:%M"),
                c.by.username if c.by else "",
                c.quarantine.person.full_name,
                c.quarantine.person.phone,
                c.get_outcome_display(),
                c.note,
            ]
            for c in selectors.CALLS.narrow(qs, query).iterator(chunk_size=2000)
        )
        sheet = export.Sheet(
            title=_("Calls"),
            header=[_("Time"), _("Called by"), _("Contact"), _("Phone"), _("Outcome"), _("Note")],
            rows=rows,
        )
        return export.response(sheet, fmt=fmt, filename=f"cuoc-goi-cach-ly-{local_today().isoformat()}.{fmt}")
    page = selectors.CALLS.get(qs, request.GET, user=request.user)
    audit.annotate(row_count=len(page.items), detail=page.query.params())
    return render(
        request,
        "quarantine/calls.html",
        {"page": page, "can_export": has_capability(request.user, permissions.EXPORT)},
        status=400 if page.query.errors else 200,
    )


def _detail_context(request, q, **forms):
    contact = tracing_selectors.contact_get(contact_id=q.contact_id)
    return {
        "q": q,
        "followup": contact.get_status_display() if contact else "",
        "explained": selectors.explain(q),
        "days": selectors.quarantine_days(quarantine=q),
        "calls": list(q.calls.select_related("by")[:50]),
        "history": list(q.history.select_related("actor").order_by("-at", "-id")[:50]),
        "can_follow": has_capability(request.user, permissions.FOLLOW) and q.status == Status.ACTIVE,
        "call_form": forms.get("call") or CallForm(),
        "diary_form": forms.get("diary") or DiaryForm(prefix="d"),
        "today": local_today(),
        "symptom_labels": selectors.symptom_labels,
    }


@requires(permissions.VIEW)
@reads_personal_data("quarantine.view", target=("quarantine.quarantine", "quarantine_id"))
def detail(request, quarantine_id: int):
    q = selectors.quarantine_get_visible_to(user=request.user, quarantine_id=quarantine_id)
    return render(request, "quarantine/detail.html", _detail_context(request, q))


ACTIONS = ("call", "open_case", "end", "rule_out")


@require_POST
@requires(permissions.FOLLOW)
@no_personal_data(WRITE_THEN_REDIRECT + " (a refused action shows the quarantine again with a 4xx status)")
def act(request, quarantine_id: int):
    """One action of the team on a quarantine: log a call (with the day's diary when the contact
    answered), open a case for a positive contact, or end the quarantine."""
    q = selectors.quarantine_get_visible_to(user=request.user, quarantine_id=quarantine_id)
    action = request.POST.get("action", "")
    call_form, diary_form = CallForm(request.POST), DiaryForm(request.POST, prefix="d")
    try:
        if action not in ACTIONS:
            raise Invalid(_("Unknown action."), field="action")
        if action == "call":
            if not call_form.is_valid():
                raise Invalid(_("Choose what came of the call."), field="outcome")
            if not diary_form.is_valid():
                raise Invalid(_("Check the diary fields."), field="symptoms")
            with_diary = call_form.cleaned_data["outcome"] == "reached" and request.POST.get("diary") == "1"
            services.call_with_diary(
                quarantine=q,
                actor=request.user,
                outcome=call_form.cleaned_data["outcome"],
                note=call_form.cleaned_data["note"],
                diary=diary_form.cleaned_data if with_diary else None,
            )
            messages.success(request, _("Call logged."))
        elif action == "open_case":
            case = services.quarantine_open_case(quarantine=q, actor=request.user)
            messages.success(request, _("Case F0 #%(n)s opened; the quarantine ends.") % {"n": case.pk})
            return redirect("cases:detail", case_id=case.pk)
        elif action == "rule_out":
            services.quarantine_rule_out(
                quarantine=q, actor=request.user, reason=request.POST.get("reason", "")
            )
            messages.success(request, _("Ruled out: the quarantine ended, the reason is in its history."))
        else:
            services.quarantine_end(quarantine=q, actor=request.user, reason="ended_by_officer")
            messages.success(request, _("Quarantine ended."))
    except ServiceError as exc:
        q = selectors.quarantine_get_visible_to(user=request.user, quarantine_id=quarantine_id)
        context = _detail_context(request, q, call=call_form, diary=diary_form)
        context["error"] = exc.message
        return render(request, "quarantine/detail.html", context, status=exc.status)
    return redirect("quarantine:detail", quarantine_id=q.pk)


@login_not_required
@proof_required
@no_personal_data(CITIZEN)
def diary(request):
    """The contact's own diary, on their phone: only the quarantines of people this phone has proved to
    be (people.citizen); one form per quarantine for today."""
    citizen = request.citizen
    quarantines = selectors.quarantines_of_people(person_ids=[p.pk for p in citizen.proven])
    form, failed, status = None, None, 200
    if request.method == "POST":
        wanted = request.POST.get("quarantine", "")
        q = next((x for x in quarantines if str(x.pk) == wanted), None)
        form = DiaryForm(request.POST)
        try:
            if q is None:
                raise Invalid(_("Choose whose diary this is."), field="quarantine")
            if not form.is_valid():
                raise Invalid(_("Check the diary fields."), field="symptoms")
            services.diary_record(quarantine=q, actor=None, source=Source.SELF, **form.cleaned_data)
        except ServiceError as exc:
            failed, status = (q.pk if q else None), exc.status
            form.add_error(None, exc.message)
        else:
            messages.success(request, _("Thank you: today's diary is recorded."))
            return redirect("quarantine:diary")
    today = local_today()
    rows = [
        {
            "q": q,
            "label": citizen.label_of(q.person_id) or q.person.full_name,
            "today_entry": next((e for e in q.diary.all() if e.day == today), None),
            "days": selectors.quarantine_days(quarantine=q, today=today),
            "explained": selectors.explain(q),
            "form": form if failed == q.pk else DiaryForm(),
            "open": q.follow_until >= today,
        }
        for q in quarantines
    ]
    return render(
        request,
        "quarantine/diary.html",
        {"rows": rows, "today": today, "symptom_labels": selectors.symptom_labels},
        status=status,
    )


def case_panel(request, *, case) -> str:
    """The case page's chain of transmission (core.panels "cases.detail"): the F0 who exposed this case
    when it came out of a quarantine, and the contacts this case put in quarantine."""
    if not has_capability(request.user, permissions.VIEW):
        return ""
    chain = selectors.chain_for_case(user=request.user, case_id=case.pk)
    if chain["came_from"] is None and not chain["contact_count"]:
        return ""
    return render_to_string("quarantine/_case_panel.html", {"chain": chain, "case": case}, request=request)
