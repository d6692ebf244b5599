"""Pages of the QR deployment campaign: progress against the deadlines, the units to call, the review
queue of uncertain matches, the import."""

from django import forms
from django.contrib import messages
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django.views.decorators.http import require_http_methods, require_POST

from epiqr.accounts.selectors import commune_list_in_jurisdiction
from epiqr.core import export
from epiqr.core.audit import no_personal_data
from epiqr.core.errors import Invalid, ServiceError
from epiqr.core.input_guard import int_or_none
from epiqr.core.permissions import has_capability, requires
from epiqr.core.replica import replica_ok
from epiqr.core.services import audit_record
from epiqr.core.timeutil import local_today
from epiqr.core.views import upload_job_redirect
from epiqr.venues.models import Sector

from . import deployment, permissions, selectors

CALLS_SHOWN = 200

# Units to put a poster at and their business contact (a shop, an office): no citizen's data.
NO_CITIZEN_DATA = "deployment targets: units, their business contact and their venue match; no citizen's data"


class DeadlineForm(forms.Form):
    sector = forms.ChoiceField(label=gettext_lazy("Sector"), choices=Sector.choices)
    agency = forms.CharField(label=gettext_lazy("Responsible agency"), max_length=200)
    deadline = forms.DateField(label=gettext_lazy("Deadline"), widget=forms.DateInput(attrs={"type": "date"}))


class TargetsImportForm(forms.Form):
    file = forms.FileField(label=gettext_lazy("Excel (.xlsx) or CSV file"))


@requires(permissions.DEPLOYMENT)
@no_personal_data(NO_CITIZEN_DATA)
@replica_ok()
def progress(request):
    """Per sector (against its deadline), agency and commune: required, deployed, active, not yet."""
    targets = selectors.targets_visible_to(user=request.user)
    deadlines = selectors.deadlines_for(user=request.user)
    today = local_today()
    by_sector = selectors.progress_rows(
        targets=targets, by="sector", deadlines={k: d.deadline for k, d in deadlines.items()}
    )
    sector = request.GET.get("sector", "")
    history = selectors.progress_history(user=request.user, sector=sector) if sector in Sector.values else []
    may_manage = has_capability(request.user, permissions.TARGETS)
    return render(
        request,
        "dashboards/deployment.html",
        {
            "today": today,
            "by_sector": [_sector_view(r, deadlines, today) for r in by_sector],
            "by_agency": selectors.progress_rows(targets=targets, by="agency"),
            "by_commune": selectors.progress_rows(targets=targets, by="commune"),
            "review_count": selectors.review_queue(user=request.user).count(),
            "deadlines": deadlines,
            "sector": sector,
            "history": history,
            "may_manage": may_manage,
            "deadline_form": DeadlineForm() if may_manage else None,
            "total": sum(r.required for r in by_sector),
            "deployed": sum(r.deployed for r in by_sector),
            "active": sum(r.active for r in by_sector),
            "not_deployed": sum(r.not_deployed for r in by_sector),
        },
    )


def _sector_view(row, deadlines: dict, today) -> dict:
    d = deadlines.get(row.key)
    left = (d.deadline - today).days if d else None
    return {
        "row": row,
        "agency": d.agency if d else "",
        "days_left": left if left is not None and left >= 0 else None,
        "days_late": -left if left is not None and left < 0 else None,
    }


def _call_filters(request) -> dict:
    sector = request.GET.get("sector", "")
    return {
        "sector": sector if sector in Sector.values else "",
        "agency": request.GET.get("agency", "")[:200],
        "commune_id": int_or_none(request.GET.get("commune")),
    }


@requires(permissions.DEPLOYMENT)
@no_personal_data(NO_CITIZEN_DATA)
@replica_ok()
def calls(request):
    """The units to call (not deployed yet); the whole list as CSV or Excel (audited)."""
    filters = _call_filters(request)
    rows = selectors.call_list(user=request.user, **filters)
    fmt = request.GET.get("format", "")
    if fmt in export.FORMATS:
        audit_record(
            actor=request.user, action="dashboards.calls_export", reason="deployment", detail=filters
        )
        sheet = export.Sheet(
            title=_("Units to call"),
            header=[
                _("Unit"),
                _("Address"),
                _("Commune"),
                _("Sector"),
                _("Responsible agency"),
                _("Contact person"),
                _("Phone"),
                _("Tax code"),
                _("Licence number"),
                _("Match"),
            ],
            rows=(
                (
                    t.name,
                    t.address,
                    t.commune.name,
                    t.get_sector_display(),
                    t.agency,
                    t.contact,
                    t.phone,
                    t.tax_code,
                    t.licence,
                    t.get_status_display(),
                )
                for t in rows.iterator()
            ),
        )
        return export.response(sheet, fmt=fmt, filename=f"don-vi-chua-trien-khai.{fmt}")
    return render(
        request,
        "dashboards/calls.html",
        {
            "rows": rows[:CALLS_SHOWN],
            "count": rows.count(),
            "shown": CALLS_SHOWN,
            "filters": filters,
            "sectors": Sector.choices,
            "communes": commune_list_in_jurisdiction(user=request.user),
            "query": request.GET.urlencode(),
        },
    )


@requires(permissions.TARGETS)
@no_personal_data(NO_CITIZEN_DATA)
def review(request):
    return render(
        request, "dashboards/review.html", {"rows": selectors.review_queue(user=request.user)[:100]}
    )


@require_POST
@requires(permissions.TARGETS)
@no_personal_data(NO_CITIZEN_DATA)
def review_decide(request):
    target_id = int_or_none(request.POST.get("target"))
    try:
        if target_id is None:
            raise Invalid(_("Choose a unit."))
        deployment.target_review(
            actor=request.user, target_id=target_id, accept=request.POST.get("accept") == "1"
        )
    except ServiceError as exc:
        messages.error(request, exc.message)
    return redirect("dashboards:review")


@require_POST
@requires(permissions.TARGETS)
@no_personal_data(NO_CITIZEN_DATA)
def deadline(request):
    form = DeadlineForm(request.POST)
    if form.is_valid():
        try:
            deployment.deadline_set(actor=request.user, **form.cleaned_data)
            messages.success(request, _("Deadline saved."))
        except ServiceError as exc:
            messages.error(request, exc.message)
    else:
        messages.error(request, _("Give the sector, the agency and a date."))
    return redirect("dashboards:deployment")


@require_POST
@requires(permissions.TARGETS)
@no_personal_data(NO_CITIZEN_DATA)
def rematch(request):
    """Match the province's units again (venues registered since) and store today's progress."""
    counts = deployment.targets_match(province_id=request.user.province_id or -1)
    deployment.deployment_snapshot(day=local_today())
    messages.success(
        request,
        _("Matched again: %(matched)s matched, %(review)s to review, %(unmatched)s not registered.") % counts,
    )
    return redirect("dashboards:deployment")


@requires(permissions.TARGETS)
@require_http_methods(["GET", "POST"])
@no_personal_data(NO_CITIZEN_DATA)
def targets_import(request):
    form = TargetsImportForm(request.POST or None, request.FILES or None)
    if request.method == "POST" and form.is_valid():
        upload = form.cleaned_data["file"]
        return upload_job_redirect(
            request,
            upload,
            kind="dashboards.targets_import",
            title=_("Import units that must deploy: %(name)s"),
            back_url=reverse("dashboards:deployment"),
        )
    return render(
        request, "dashboards/targets_import.html", {"form": form}, status=422 if form.errors else 200
    )
