"""Care pages: the coordinator's and officer's home, a facility's beds and routings, a patient's care.

Thin: parse, call one service or selector, render. A refused action shows its page again with a 4xx
status and everything typed (`typed`)."""

from datetime import date

from django.contrib import messages
from django.contrib.auth.decorators import login_not_required
from django.http import Http404, HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django.views.decorators.http import require_POST

from epiqr.core import audit, export
from epiqr.core.audit import CITIZEN, WRITE_THEN_REDIRECT, no_personal_data, reads_personal_data
from epiqr.core.errors import Invalid, ServiceError
from epiqr.core.input_guard import int_or_none
from epiqr.core.permissions import check_capability, has_capability, requires
from epiqr.core.replica import replica_ok
from epiqr.core.timeutil import local_today, now
from epiqr.people.citizen import proof_required

from . import permissions, selectors, services, severity
from .models import BedKind, PatientStatus, RoutingStatus, Slot


def _status_of(exc: ServiceError) -> int:
    return getattr(exc, "status", 400)


@requires(permissions.VIEW)
@reads_personal_data("care.home")
def home(request):
    """What the user has to do now: routings to decide and patients to admit at their facilities, cases
    the province must place, warnings from home; the facilities and their free beds."""
    user = request.user
    facilities = list(selectors.facility_list_visible_to(user=user).prefetch_related("beds")[:100])
    context = {
        "facilities": facilities,
        "proposed": list(selectors.routing_list_for_facilities(user=user)[:50]),
        "arriving": list(
            selectors.routing_list_for_facilities(user=user, status=RoutingStatus.ACCEPTED).filter(
                patient__status__in=(
                    PatientStatus.CONFIRMED,
                    PatientStatus.AT_HOME,
                    PatientStatus.TRANSFERRED,
                )
            )[:50]
        ),
        "escalated": list(selectors.routing_list_escalated(user=user)[:50])
        if has_capability(user, permissions.MONITOR)
        else [],
        "warnings": list(selectors.warning_list(user=user)[:50]),
        "counts": selectors.patient_counts_by_setting(user=user),
        "statuses": PatientStatus,
        "can_surge": has_capability(user, permissions.MONITOR),
    }
    return render(request, "care/home.html", context)


@requires(permissions.VIEW)
@reads_personal_data("care.patients")
@replica_ok()
def patients(request):
    """The F0 patients of the officer's area (or the coordinator's facilities), paged and filtered by
    status, severity, care setting, facility, commune, name or phone; CSV/Excel for those who may export."""
    qs = selectors.patient_list_visible_to(user=request.user).select_related("case")
    fmt = request.GET.get("format", "")
    if fmt:
        return _patients_export(request, qs, fmt)
    page = selectors.PATIENTS.get(qs, request.GET, user=request.user)
    audit.annotate(row_count=len(page.items), detail=page.query.params())
    return render(
        request,
        "care/patients.html",
        {"page": page, "can_export": has_capability(request.user, permissions.EXPORT)},
        status=400 if page.query.errors else 200,
    )


def _patients_export(request, qs, fmt: str):
    if fmt not in export.FORMATS:
        return render(request, "core/refused.html", {"message": _("Unknown format.")}, status=400)
    if not has_capability(request.user, permissions.EXPORT):
        return render(
            request, "core/refused.html", {"message": _("You are not allowed to do this.")}, status=403
        )
    query = selectors.PATIENTS.parse(request.GET, user=request.user)
    if query.errors:
        return render(
            request, "core/refused.html", {"message": next(iter(query.errors.values()))}, status=400
        )
    audit.annotate(detail={"export": fmt, **query.params()})
    rows = (
        [
            p.case_id,
            p.person.full_name,
            p.person.phone,
            p.commune.name if p.commune else "",
            p.case.confirmed_on.isoformat(),
            p.get_severity_display(),
            p.get_setting_display(),
            p.get_status_display(),
            p.facility.name if p.facility else "",
            p.spo2 if p.spo2 is not None else "",
        ]
        for p in selectors.PATIENTS.narrow(qs, query).iterator(chunk_size=2000)
    )
    sheet = export.Sheet(
        title=_("F0 patients"),
        header=[_("F0 case"), _("Name"), _("Phone"), _("Commune / ward"), _("Confirmed on"), _("Severity"),
                _("Care setting"), _("Status"), _("Facility"), _("SpO2 (%)")],
        rows=rows,
    )  # fmt: skip
    return export.response(sheet, fmt=fmt, filename=f"f0-{local_today().isoformat()}.{fmt}")


def _facility_page(request, facility, *, typed=None, error=None, status=200):
    user = request.user
    context = {
        "facility": facility,
        "beds": [(b, (typed or {}).get(b.kind, b.total)) for b in selectors.beds_of(facility=facility)],
        "kinds": BedKind,
        "proposed": list(selectors.routing_list_for_facilities(user=user).filter(facility=facility)),
        "arriving": list(
            selectors.routing_list_for_facilities(user=user, status=RoutingStatus.ACCEPTED)
            .filter(facility=facility)
            .filter(
                patient__status__in=(
                    PatientStatus.CONFIRMED,
                    PatientStatus.AT_HOME,
                    PatientStatus.TRANSFERRED,
                )
            )
        ),
        "admitted": list(facility.patients.filter(status=PatientStatus.ADMITTED).select_related("person")),
        "others": list(
            selectors.facility_list_visible_to(user=user).filter(tier=facility.tier).exclude(pk=facility.pk)
        ),
        "can_coordinate": has_capability(user, permissions.COORDINATE),
        "typed": typed or {},
        "error": error,
    }
    return render(request, "care/facility.html", context, status=status)


@requires(permissions.VIEW)
@reads_personal_data("care.facility", target=("care.facility", "facility_id"))
def facility(request, facility_id: int):
    """A facility's beds by kind (kept current here), the routings to decide, arrivals, admitted patients."""
    found = selectors.facility_get_visible(user=request.user, facility_id=facility_id)
    return _facility_page(request, found)


@require_POST
@requires(permissions.COORDINATE)
@no_personal_data(WRITE_THEN_REDIRECT + " (a refused change shows the facility again with a 4xx status)")
def facility_beds(request, facility_id: int):
    """Set the facility's beds of each kind."""
    found = selectors.facility_get_visible(user=request.user, facility_id=facility_id)
    totals = {kind: request.POST.get(kind, "") for kind in BedKind.values if kind in request.POST}
    try:
        services.beds_set(facility=found, actor=request.user, totals=totals)
    except ServiceError as exc:
        return _facility_page(request, found, typed=request.POST, error=exc.message, status=_status_of(exc))
    messages.success(request, _("Beds saved."))
    return redirect("care:facility", facility_id=found.pk)


@require_POST
@requires(permissions.COORDINATE)
@no_personal_data(WRITE_THEN_REDIRECT + " (the proposals that lost their bed are named by number only)")
def facility_accept(request, facility_id: int):
    """Accept the checked proposals to the facility (`which=checked`), or all of them (`which=all`)."""
    found = selectors.facility_get_visible(user=request.user, facility_id=facility_id)
    which = request.POST.get("which", "")
    ids = [i for i in (int_or_none(v) for v in request.POST.getlist("routing")) if i is not None]
    if which not in ("all", "checked") or (which == "checked" and not ids):
        return _facility_page(
            request, found, error=_("Tick the proposals to accept, or accept them all."), status=400
        )
    done = services.routings_accept_bulk(
        facility_id=found.pk, actor=request.user, routing_ids=ids if which == "checked" else None
    )
    if done.accepted:
        messages.success(
            request, _("%(n)s routings accepted: their beds are reserved.") % {"n": len(done.accepted)}
        )
    if done.lost:
        messages.warning(
            request,
            _("Not accepted, still proposed: %(list)s.")
            % {"list": "; ".join(f"#{i}: {why}" for i, why in done.lost)},
        )
    return redirect("care:facility", facility_id=found.pk)


@require_POST
@requires(permissions.COORDINATE)
@no_personal_data(WRITE_THEN_REDIRECT + " (a refused decision shows the facility again with a 4xx status)")
def routing_decide(request, routing_id: int):
    """Accept a routing (the bed is reserved at once), accept it elsewhere with a reason, or decline it."""
    found = selectors.routing_get_visible(user=request.user, routing_id=routing_id)
    decision = request.POST.get("decision", "")
    back = found.facility
    try:
        if decision not in ("accept", "override", "decline"):
            raise Invalid(_("Choose a decision."), field="decision")
        facility_id = int_or_none(request.POST.get("facility")) if decision == "override" else None
        if decision == "override" and facility_id is None:
            raise Invalid(_("Choose the facility."), field="facility")
        services.routing_decide(
            routing_id=found.pk,
            actor=request.user,
            accept=decision != "decline",
            facility_id=facility_id,
            reason=request.POST.get("reason", ""),
        )
    except ServiceError as exc:
        if back is None:
            raise
        return _facility_page(request, back, typed=request.POST, error=exc.message, status=_status_of(exc))
    messages.success(request, _("Decision saved."))
    return redirect("care:facility", facility_id=back.pk) if back is not None else redirect("care:home")


def _patient_page(request, patient, *, typed=None, error=None, status=200):
    user = request.user
    context = {
        "patient": patient,
        "person": patient.person,
        "assessment": selectors.assessment_reasons(patient=patient),
        "eligibility": selectors.home_eligibility(patient=patient),
        "release": selectors.release_info(patient=patient),
        "reports": selectors.report_list(patient=patient),
        "history": list(patient.history.select_related("facility", "actor")),
        "routings": list(patient.routings.select_related("facility")[:10]),
        "signs": [(code, _(label)) for code, (_level, label) in severity.SIGNS.items()],
        "comorbidities": services.COMORBIDITIES,
        "slots": Slot,
        "statuses": PatientStatus,
        "can_monitor": has_capability(user, permissions.MONITOR),
        "can_coordinate": has_capability(user, permissions.COORDINATE),
        "today": local_today(),
        "slot_now": services.slot_of(now())[1],
        "typed": typed or {},
        "error": error,
    }
    return render(request, "care/patient.html", context, status=status)


@requires(permissions.VIEW)
@reads_personal_data("care.patient", target=("care.patient", "patient_id"))
def patient(request, patient_id: int):
    """One F0's care: severity and why, home-care eligibility and why, self-reports, routings, release."""
    found = selectors.patient_get_visible(user=request.user, patient_id=patient_id)
    return _patient_page(request, found)


ACTIONS = ("assess", "report", "propose", "home", "admit", "discharge", "test", "release")


@require_POST
@requires(permissions.VIEW)
@no_personal_data(WRITE_THEN_REDIRECT + " (a refused action shows the patient again with a 4xx status)")
def patient_act(request, patient_id: int):
    """One action on a patient's care (the forms of the patient's page)."""
    found = selectors.patient_get_visible(user=request.user, patient_id=patient_id)
    user, post, action = request.user, request.POST, request.POST.get("action", "")
    try:
        if action not in ACTIONS:
            raise Invalid(_("Unknown action."), field="action")
        if action == "assess":
            services.patient_assess(
                patient=found,
                actor=user,
                respiratory_rate=post.get("respiratory_rate"),
                spo2=post.get("spo2"),
                signs=post.getlist("signs"),
                comorbidities=post.getlist("comorbidities"),
                pregnant=bool(post.get("pregnant")),
            )
        elif action == "report":
            services.report_record(
                patient=found,
                slot=post.get("slot", ""),
                respiratory_rate=post.get("respiratory_rate"),
                pulse=post.get("pulse"),
                temperature=post.get("temperature"),
                spo2=post.get("spo2"),
                signs=post.getlist("signs"),
                actor=user,
                by_team=True,
            )
        elif action == "propose":
            _monitor(user)
            services.routing_propose(patient=found, actor=user, reason=post.get("reason", ""))
        elif action == "home":
            services.patient_home(patient=found, actor=user)
        elif action == "admit":
            services.patient_admit(patient=found, actor=user)
        elif action == "discharge":
            services.patient_discharge(
                patient=found, actor=user, to=post.get("to", ""), note=post.get("note", "")
            )
        elif action == "test":
            services.patient_test_negative(patient=found, actor=user, on=_day(post.get("on", "")))
        else:
            services.patient_release(patient=found, actor=user)
    except ServiceError as exc:
        return _patient_page(request, found, typed=post, error=exc.message, status=_status_of(exc))
    messages.success(request, _("Saved."))
    return redirect(reverse("care:patient", kwargs={"patient_id": found.pk}))


def _monitor(user) -> None:
    check_capability(user, permissions.MONITOR)


def _day(text: str) -> date:
    try:
        return date.fromisoformat(text)
    except ValueError:
        raise Invalid(_("Give a date."), field="on") from None


@require_POST
@requires(permissions.MONITOR)
@no_personal_data(WRITE_THEN_REDIRECT)
def surge(request):
    """Route today's new cases of the user's area at once (surge mode)."""
    try:
        rows = services.routings_surge(actor=request.user)
    except ServiceError as exc:
        messages.error(request, exc.message)
        return redirect("care:home")
    messages.success(request, _("%(n)s cases routed.") % {"n": len(rows)})
    return redirect("care:home")


# --- the citizen's own page (behind the identity proof), the release paper, the public verifier --------


def _my_page(request, *, typed=None, error=None, status=200):
    patients = selectors.patients_of_citizen(person_ids=[p.pk for p in request.citizen.proven])
    rows = [
        {
            "patient": p,
            "label": request.citizen.label_of(p.person_id) or p.person.full_name,
            "release": selectors.release_info(patient=p),
            "reports": selectors.report_list(patient=p, limit=6),
        }
        for p in patients
    ]
    context = {
        "rows": rows,
        "signs": [(code, _(label)) for code, (_level, label) in severity.SIGNS.items()],
        "slots": Slot,
        "slot_now": services.slot_of(now())[1],
        "typed": typed or {},
        "error": error,
    }
    return render(request, "care/my.html", context, status=status)


@login_not_required
@proof_required
@no_personal_data(CITIZEN)
def my(request):
    """Public: an F0's own care (their proven person): the twice-daily self-report, the release day, the
    release paper, the hotline's form. A warning in the report reaches the medical team at once."""
    if request.method != "POST":
        return _my_page(request)
    patients = {
        p.pk: p for p in selectors.patients_of_citizen(person_ids=[p.pk for p in request.citizen.proven])
    }
    found = patients.get(int_or_none(request.POST.get("patient")) or 0)
    if found is None:
        raise Http404
    post = request.POST
    try:
        services.report_record(
            patient=found,
            slot=post.get("slot", ""),
            respiratory_rate=post.get("respiratory_rate"),
            pulse=post.get("pulse"),
            temperature=post.get("temperature"),
            spo2=post.get("spo2"),
            signs=post.getlist("signs"),
        )
    except ServiceError as exc:
        return _my_page(request, typed=post, error=exc.message, status=_status_of(exc))
    messages.success(request, _("Report sent. Thank you: the medical team reads it."))
    return redirect("care:my")


def _pdf(data: bytes, name: str) -> HttpResponse:
    return HttpResponse(
        data, content_type="application/pdf", headers={"Content-Disposition": f'inline; filename="{name}"'}
    )


@login_not_required
@proof_required
@no_personal_data(CITIZEN)
def my_release_pdf(request, release_code):
    """Public: the release paper of a proven person (404 for anyone else's)."""
    patients = selectors.patients_of_citizen(person_ids=[p.pk for p in request.citizen.proven])
    found = next((p for p in patients if p.release_code == release_code), None)
    data = selectors.release_paper_pdf(patient=found) if found is not None else None
    if data is None:
        raise Http404
    return _pdf(data, f"giay-hoan-thanh-cach-ly-{found.case_id}.pdf")


@requires(permissions.VIEW)
@reads_personal_data("care.release_paper", target=("care.patient", "patient_id"))
def release_pdf(request, patient_id: int):
    """The release paper of a released patient of the user's scope, to print and hand over."""
    found = selectors.patient_get_visible(user=request.user, patient_id=patient_id)
    data = selectors.release_paper_pdf(patient=found)
    if data is None:
        raise Http404
    return _pdf(data, f"giay-hoan-thanh-cach-ly-{found.case_id}.pdf")


VERIFY_REASONS = {
    "format": gettext_lazy("This is not an EpiQR release code (or it was cut)."),
    "unknown_key": gettext_lazy("Signed with a key EpiQR does not publish: not genuine."),
    "signature": gettext_lazy("The signature does not match: the paper was altered or forged."),
    "revoked": gettext_lazy("This paper was revoked."),
}


@login_not_required
@no_personal_data("the public verifier: shows only what the scanned code itself carries")
def verify(request):
    """Public: is a release paper genuine? The paper's QR opens this page with its signed code."""
    text = (request.GET.get("c") or request.POST.get("c") or "")[:4000]
    verdict = selectors.release_verify(text=text) if text else None
    return render(
        request,
        "care/verify.html",
        {"code": text, "verdict": verdict, "why": VERIFY_REASONS.get(verdict.reason) if verdict else None},
        status=200,
    )
