from django.contrib import messages
from django.shortcuts import redirect, render
from django.template.loader import render_to_string
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from epiqr.core import panels
from epiqr.core.audit import WRITE_THEN_REDIRECT, no_personal_data, reads_personal_data
from epiqr.core.errors import ServiceError
from epiqr.core.permissions import has_capability, requires
from epiqr.core.timeutil import aware, local_today

from . import permissions, selectors, services
from .api import person_for
from .forms import CaseOpenForm, PeriodOverrideForm


@requires(permissions.VIEW)
@reads_personal_data("cases.list")
def case_list(request):
    page = selectors.CASES.get(
        selectors.case_list_visible_to(user=request.user), request.GET, user=request.user
    )
    return render(
        request,
        "cases/list.html",
        {"page": page, "can_open": has_capability(request.user, permissions.OPEN)},
        status=400 if page.query.errors else 200,
    )


@requires(permissions.OPEN)
@reads_personal_data("cases.open")
def case_open(request):
    """Open a case for a person named by ?person=<public id> (from the person's page) or by a scan."""
    person = None
    initial = {"confirmed_on": local_today(), "person": request.GET.get("person") or None}
    form = CaseOpenForm(request.POST or None, initial=initial)
    if initial["person"]:
        try:
            person = person_for(user=request.user, person=initial["person"], scan=None, identifier=None)
        except ServiceError as exc:
            messages.error(request, exc.message)
    if request.method == "POST" and form.is_valid():
        data = form.cleaned_data
        try:
            if data["person"]:
                person = person_for(user=request.user, person=str(data["person"]), scan=None, identifier=None)
            else:
                text = (data["scan"] or "").strip()
                is_payload = "|" in text or text.startswith("EPIQR1:")
                person = person_for(
                    user=request.user,
                    person=None,
                    scan=text if is_payload else None,
                    identifier=None if is_payload else text,
                )
            case = services.case_open(
                person=person,
                confirmed_on=data["confirmed_on"],
                onset_on=data["onset_on"],
                sample_on=data["sample_on"],
                isolated_at=aware(data["isolated_at"]) if data["isolated_at"] else None,
                source="scan" if data["scan"] else "manual",
                actor=request.user,
            )
        except ServiceError as exc:
            form.add_error(exc.field if exc.field in form.fields else None, exc.message)
        else:
            messages.success(request, _("Case F0 #%(id)s opened.") % {"id": case.pk})
            return redirect("cases:detail", case_id=case.pk)
    return render(
        request, "cases/open.html", {"form": form, "person": person}, status=422 if form.errors else 200
    )


@requires(permissions.VIEW)
@reads_personal_data("cases.view", target=("cases.case", "case_id"))
def case_detail(request, case_id: int):
    case = selectors.case_get_visible_to(user=request.user, case_id=case_id)
    form = PeriodOverrideForm(request.POST or None)
    if request.method == "POST":
        if not has_capability(request.user, permissions.OVERRIDE_PERIOD):
            return render(request, "cases/detail.html", {"case": case}, status=403)
        if form.is_valid():
            d = form.cleaned_data
            try:
                services.case_period_override(
                    case=case,
                    infectious_from=aware(d["infectious_from"]) if d["infectious_from"] else None,
                    infectious_until=aware(d["infectious_until"]) if d["infectious_until"] else None,
                    reason=d["reason"],
                    actor=request.user,
                )
            except ServiceError as exc:
                form.add_error(None, exc.message)
            else:
                messages.success(request, _("Infectious period changed."))
                return redirect("cases:detail", case_id=case.pk)
    return render(
        request,
        "cases/detail.html",
        {
            "case": case,
            "period": selectors.case_period(case=case),
            "form": form,
            "can_cancel": has_capability(request.user, permissions.CANCEL),
            "panels": panels.render("cases.detail", request, case=case),  # tracing's (tracing/apps.py)
        },
        status=422 if form.errors else 200,
    )


@require_POST
@requires(permissions.CANCEL)
@no_personal_data(WRITE_THEN_REDIRECT)
def case_cancel(request, case_id: int):
    case = selectors.case_get_visible_to(user=request.user, case_id=case_id)
    try:
        services.case_cancel(case=case, reason=request.POST.get("reason", ""), actor=request.user)
    except ServiceError as exc:
        messages.error(request, exc.message)
    else:
        messages.success(request, _("Case F0 #%(id)s cancelled.") % {"id": case.pk})
    return redirect("cases:detail", case_id=case.pk)


def person_panel(request, *, person) -> str:
    """The person page's case section (core.panels): the active case, or a way to open one."""
    context = {
        "person": person,
        "active_case": selectors.person_active_case(person_id=person.pk),
        "can_open_case": has_capability(request.user, permissions.OPEN),
    }
    return render_to_string("cases/_person_panel.html", context, request=request)
