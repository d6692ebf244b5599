"""Pages: sessions, the scan-driven vaccinator station, observation timers and adverse events."""

from datetime import datetime as dt

from django.contrib import messages
from django.contrib.auth.decorators import login_not_required
from django.http import Http404, HttpResponse, JsonResponse
from django.shortcuts import redirect, render
from django.template.loader import render_to_string
from django.urls import reverse
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from epiqr.accounts.selectors import commune_list_in_jurisdiction, user_in_jurisdiction
from epiqr.core import ratelimit
from epiqr.core.audit import CITIZEN, WRITE_THEN_REDIRECT, no_personal_data, reads_personal_data
from epiqr.core.errors import ServiceError
from epiqr.core.input_guard import int_or_none
from epiqr.core.jobs import JobFileOut
from epiqr.core.permissions import has_capability, requires
from epiqr.core.qr import svg_inline
from epiqr.core.services import job_start
from epiqr.core.timeutil import VN_TZ, local, local_today, now
from epiqr.core.views import photo_codes
from epiqr.people.citizen import proof_required
from epiqr.people.models import Person
from epiqr.people.selectors import person_get_visible
from epiqr.venues.selectors import venue_get_manageable

from . import dcc, documents, permissions, selectors, services
from .forms import (
    AdverseEventForm,
    ImportForm,
    InvitationForm,
    InvitationImportForm,
    PriorityGroupForm,
    ScreeningForm,
    SessionForm,
)
from .models import Invitation, Lot
from .schedules import PRODUCTS

STATION_KEY = "vaccination.station"  # {"session": pk, "person": pk}: the person scanned last


@requires(permissions.VIEW)
@no_personal_data("vaccination sessions: sites, teams, days and dose counts")
def sessions(request):
    page = selectors.SESSIONS.get(
        selectors.session_list_visible_to(user=request.user), request.GET, user=request.user
    )
    counts = selectors.session_dose_counts(sessions=page.items)
    return render(
        request,
        "vaccination/sessions.html",
        {
            "page": page,
            "rows": [(s, counts[s.pk]) for s in page.items],
            "can_manage": has_capability(request.user, permissions.MANAGE),
        },
        status=400 if page.query.errors else 200,
    )


@requires(permissions.MANAGE)
@no_personal_data("a form for a new vaccination session")
def session_new(request):
    form = SessionForm(
        request.POST or None,
        sites=selectors.site_list_visible_to(user=request.user),
        communes=commune_list_in_jurisdiction(user=request.user),
    )
    context = {"form": form}
    if request.method == "POST" and form.is_valid():
        d = form.cleaned_data
        try:
            site = d["site"] or services.site_create(
                name=d["new_site_name"],
                address=d["new_site_address"],
                commune_id=d["new_site_commune"].pk,
                actor=request.user,
            )
            lot = None
            if d["lot_number"]:
                lot = services.lot_get_or_create(
                    product=d["product"], number=d["lot_number"], expires_on=d["lot_expires_on"]
                )
            session = services.session_create(
                site=site, day=d["day"], team=d["team"], product=d["product"], lot=lot, actor=request.user
            )
        except ServiceError as exc:
            context["error"] = exc.message
            return render(request, "vaccination/session_new.html", context, status=exc.status)
        messages.success(request, _("Session created. Open the vaccinator station to start."))
        return redirect("vaccination:session", pk=session.pk)
    return render(
        request, "vaccination/session_new.html", context, status=422 if request.method == "POST" else 200
    )


@requires(permissions.VIEW)
@reads_personal_data("vaccination.session", target=("vaccination.session", "pk"))
def session_detail(request, pk: int):
    session = selectors.session_get_visible(user=request.user, pk=pk)
    doses = list(selectors.session_doses(session=session)[:200])
    return render(
        request,
        "vaccination/session.html",
        {
            "session": session,
            "doses": doses,
            "count": selectors.session_dose_counts(sessions=[session])[session.pk],
            "can_vaccinate": has_capability(request.user, permissions.VACCINATE),
        },
    )


# --- the station -----------------------------------------------------------------------------------


def _pending(request, session):
    """The person scanned last at this session's station, with their doses and advice, or None."""
    state = request.session.get(STATION_KEY) or {}
    if state.get("session") != session.pk or not state.get("person"):
        return None
    person = Person.objects.filter(pk=state["person"]).first()
    return services.station_view(session=session, person=person) if person else None


def _station_context(request, session, *, current=None, error=None, done=None, override_needed=None):
    lots = list(selectors.lot_list_usable(product=session.product, on=local_today()))
    if session.lot and session.lot not in lots:
        lots.insert(0, session.lot)
    return {
        "session": session,
        "current": current,
        "error": error,
        "done": done,
        "override_needed": override_needed,
        "lots": lots,
        "observing": selectors.observation_list(session=session),
        "now": now(),
        "screening_form": ScreeningForm(),
    }


def _panel(request, session, context, status=200):
    template = "vaccination/_station_panel.html" if request.htmx else "vaccination/station.html"
    return render(request, template, context, status=status)


@requires(permissions.VACCINATE)
@reads_personal_data("vaccination.station", target=("vaccination.session", "pk"))
def station(request, pk: int):
    session = selectors.session_get_visible(user=request.user, pk=pk)
    return render(
        request,
        "vaccination/station.html",
        _station_context(request, session, current=_pending(request, session)),
    )


@requires(permissions.VACCINATE)
@require_POST
@reads_personal_data("vaccination.station", target=("vaccination.session", "pk"))
def station_scan(request, pk: int):
    """One scan (CCCD, BHYT, national QR, EpiQR personal QR): the person, their doses and the next dose."""
    session = selectors.session_get_visible(user=request.user, pk=pk)
    try:
        current = services.station_identify(
            session=session, payload=request.POST.get("payload", ""), actor=request.user
        )
    except ServiceError as exc:
        request.session.pop(STATION_KEY, None)
        return _panel(request, session, _station_context(request, session, error=exc.message), exc.status)
    request.session[STATION_KEY] = {"session": session.pk, "person": current.person.pk}
    return _panel(request, session, _station_context(request, session, current=current))


@requires(permissions.VACCINATE)
@require_POST
@reads_personal_data("vaccination.station", target=("vaccination.session", "pk"))
def station_record(request, pk: int):
    """Record the dose for the person scanned last (Enter on an empty scan field, or the button)."""
    session = selectors.session_get_visible(user=request.user, pk=pk)
    current = _pending(request, session)
    if current is None:
        context = _station_context(request, session, error=_("Scan the person's card or QR first."))
        return _panel(request, session, context, 409)
    lot = None
    lot_id = request.POST.get("lot", "")
    if lot_id.isdigit() and len(lot_id) < 12:
        lot = Lot.objects.filter(pk=int(lot_id), product=session.product).first()
    try:
        dose = services.station_record(
            session=session,
            person=current.person,
            actor=request.user,
            lot=lot,
            override=request.POST.get("override", ""),
        )
    except ServiceError as exc:
        context = _station_context(
            request,
            session,
            current=current,
            error=exc.message,
            override_needed=exc.code in ("too_early", "contraindicated"),
        )
        context["override_typed"] = request.POST.get("override", "")
        return _panel(request, session, context, exc.status)
    request.session.pop(STATION_KEY, None)
    done = _("Dose %(n)d of %(product)s recorded for %(name)s. Observe until %(until)s.") % {
        "n": dose.number,
        "product": dose.get_product_display(),
        "name": current.person.full_name,
        "until": f"{local(dose.observe_until):%H:%M}" if dose.observe_until else "",
    }
    response = _panel(request, session, _station_context(request, session, done=done))
    response["HX-Trigger"] = "observation-changed"  # the timer list shows the new person at once
    return response


@requires(permissions.VACCINATE)
@require_POST
@reads_personal_data("vaccination.station", target=("vaccination.session", "pk"))
def station_screening(request, pk: int):
    session = selectors.session_get_visible(user=request.user, pk=pk)
    current = _pending(request, session)
    if current is None:
        context = _station_context(request, session, error=_("Scan the person's card or QR first."))
        return _panel(request, session, context, 409)
    form = ScreeningForm(request.POST)
    if not form.is_valid():
        context = _station_context(
            request, session, current=current, error=_("Write what the screening found.")
        )
        context["screening_form"] = form
        return _panel(request, session, context, 422)
    services.screening_note(
        person=current.person,
        session=session,
        note=form.cleaned_data["note"],
        contraindicated=form.cleaned_data["contraindicated"],
        actor=request.user,
    )
    current = services.station_view(session=session, person=current.person)
    return _panel(request, session, _station_context(request, session, current=current))


@requires(permissions.VACCINATE)
@require_POST
@no_personal_data("codes read from an uploaded photo; nothing from the database")
def station_photo(request, pk: int):
    """Codes in a photo from a phone without a live scanner; the station script submits the first."""
    try:
        selectors.session_get_visible(user=request.user, pk=pk)
    except ServiceError as exc:
        return JsonResponse({"detail": exc.message, "codes": []}, status=exc.status)
    return photo_codes(request)


@requires(permissions.VACCINATE)
@reads_personal_data("vaccination.observation", target=("vaccination.session", "pk"))
def observation(request, pk: int):
    """The observation timer list alone (refreshed by htmx every 30 seconds on the station)."""
    session = selectors.session_get_visible(user=request.user, pk=pk)
    return render(
        request,
        "vaccination/_observation.html",
        {"session": session, "observing": selectors.observation_list(session=session), "now": now()},
    )


@requires(permissions.VACCINATE)
@require_POST
@reads_personal_data("vaccination.observation", target=("vaccination.dose", "pk"))
def dose_observed(request, pk: int):
    dose = selectors.dose_get_visible(user=request.user, pk=pk)
    services.observation_end(dose=dose, actor=request.user)
    if request.htmx and dose.session_id:
        return observation(request, dose.session_id)
    return (
        redirect("vaccination:station", pk=dose.session_id)
        if dose.session_id
        else redirect("vaccination:sessions")
    )


@requires(permissions.VACCINATE)
@reads_personal_data("vaccination.aefi", target=("vaccination.dose", "pk"))
def dose_aefi(request, pk: int):
    """Record an adverse event following immunisation for one dose."""
    dose = selectors.dose_get_visible(user=request.user, pk=pk)
    form = AdverseEventForm(request.POST or None)
    context = {"dose": dose, "form": form, "events": list(dose.adverse_events.all())}
    if request.method == "POST" and form.is_valid():
        try:
            services.adverse_event_record(
                dose=dose,
                severity=form.cleaned_data["severity"],
                description=form.cleaned_data["description"],
                actor=request.user,
            )
        except ServiceError as exc:
            context["error"] = exc.message
            return render(request, "vaccination/aefi.html", context, status=exc.status)
        messages.success(request, _("Adverse event recorded."))
        return redirect("vaccination:dose_aefi", pk=dose.pk)
    return render(request, "vaccination/aefi.html", context, status=422 if request.method == "POST" else 200)


# --- certificates: the citizen's page and PDF, the public verifier ---------------------------------------


def verdict_text(reason: str) -> str:
    """What the verifier says for each reason of dcc.REASONS."""
    return {
        "valid": _("Valid certificate"),
        "malformed": _("Not a readable certificate code"),
        "unknown_key": _("Not valid: signed by a key that is not in the trust list"),
        "withdrawn_key": _("Not valid: signed by a key withdrawn from the trust list"),
        "bad_signature": _("Not valid: bad signature (the code was altered or forged)"),
        "expired": _("Not valid: expired"),
        "not_yet_valid": _("Not valid: not yet valid"),
        "revoked": _("Not valid: revoked by the issuer"),
    }.get(reason, reason)


def certificate_title(kind: str) -> str:
    return {
        "v": _("Vaccination certificate"),
        "t": _("Test certificate (negative result)"),
        "r": _("Recovery certificate"),
    }.get(kind, kind)


def _certificate_rows(person):
    """The proven person's certificates (each issued on first view) with their QR: vaccination, a recent
    negative test, a recovery; the reason when there is none."""
    certificates, reasons = [], []
    for kind, issue in services.CERTIFICATE_ISSUERS.items():
        try:
            certificate = issue(person=person)
        except ServiceError as exc:
            if kind == "v" or exc.code == "no_dob":
                reasons.append(exc.message)
            continue
        title = certificate_title(kind)
        certificates.append(
            {
                "certificate": certificate,
                "title": title,
                "qr": svg_inline(certificate.code, error="q", label=title),
            }
        )
    return {
        "person": person,
        "status": status_html(selectors.person_status(person_id=person.pk)),
        "doses": selectors.dose_list_for_person(person_id=person.pk),
        "certificates": certificates,
        "error": "" if certificates else (reasons[0] if reasons else ""),
    }


@login_not_required
@proof_required
@no_personal_data(CITIZEN)
def my_certificates(request):
    """Public: the vaccination certificates of the people this phone's holder proved (people.citizen)."""
    return render(
        request,
        "vaccination/my.html",
        {"rows": [_certificate_rows(p) for p in request.citizen.proven]},
    )


@login_not_required
@proof_required
@no_personal_data(CITIZEN)
def my_certificate_pdf(request, public_id):
    """Public: the bilingual PDF of a certificate of a proven person (404 for anyone else's)."""
    certificate = selectors.certificate_get(public_id=public_id)
    if certificate is None or certificate.person_id not in {p.pk for p in request.citizen.proven}:
        raise Http404
    pdf = documents.certificate_pdf(certificate=certificate)
    return HttpResponse(
        pdf,
        content_type="application/pdf",
        headers={"Content-Disposition": f'inline; filename="chung-nhan-tiem-chung-{certificate.pk}.pdf"'},
    )


def _verdict_context(verdict) -> dict:
    names = {p.mp: p.name for p in PRODUCTS.values()}
    tests = {"LP6464-4": _("RT-PCR test"), "LP217198-3": _("Rapid antigen test")}
    results = {"260415000": _("negative (not detected)"), "260373001": _("positive (detected)")}
    entries = []
    for e in verdict.entries:
        if verdict.kind == "t":
            what = (
                f"{tests.get(e.get('tt'), e.get('tt') or '')}: {results.get(e.get('tr'), e.get('tr') or '')}"
            )
        elif verdict.kind == "r":
            what = _("Recovered; valid %(start)s to %(end)s") % {"start": e.get("df"), "end": e.get("du")}
        else:
            what = names.get(e.get("mp"), e.get("mp") or "")
        entries.append(
            {
                "number": e.get("dn"),
                "series": e.get("sd"),
                "day": e.get("dt") or e.get("sc") or e.get("fr"),
                "product": what,
                "country": e.get("co"),
                "result": e.get("tr"),
            }
        )
    return {
        "verdict": verdict,
        "verdict_text": verdict_text(verdict.reason),
        "entries": entries,
        "kind_title": certificate_title(verdict.kind) if verdict.kind else "",
    }


@login_not_required
@no_personal_data("the public verifier: shows only what the scanned code itself carries")
def verify(request):
    """Public verifier: scan (camera), a photo, or pasted text of any HC1: code; valid or not, and why."""
    context = {"code": "", "reason_texts": [(reason, verdict_text(reason)) for reason in dcc.REASONS]}
    if request.method == "POST":
        code = request.POST.get("code", "")[:8000]
        context["code"] = code
        verdict = selectors.certificate_verify(code=code)
        context.update(_verdict_context(verdict))
        if verdict.valid:
            context["status"] = status_html(selectors.certificate_status(verdict=verdict))
    return render(request, "vaccination/verify.html", context)


VERIFY_PHOTOS_PER_HOUR = 120


@login_not_required
@require_POST
@no_personal_data("codes read from an uploaded photo; nothing from the database")
def verify_photo(request):
    """Public: the codes in a photo (the verifier's fallback without a live camera), limited per asker."""
    key = f"vaccination.verify_photo:{ratelimit.asker_key(request)}"
    if ratelimit.count(key, window=3600) > VERIFY_PHOTOS_PER_HOUR:
        return JsonResponse(
            {"detail": _("Too many photos from your network; wait an hour."), "codes": []}, status=429
        )
    return photo_codes(request)


@requires(permissions.REVOKE)
@require_POST
@no_personal_data(WRITE_THEN_REDIRECT)
def certificate_revoke(request, public_id):
    """An officer revokes a certificate issued in error (reason required, audited, published)."""
    certificate = selectors.certificate_get(public_id=public_id)
    if certificate is None or not user_in_jurisdiction(
        user=request.user, commune_id=certificate.person.commune_id
    ):
        raise Http404
    try:
        services.certificate_revoke(
            certificate=certificate, reason=request.POST.get("reason", ""), actor=request.user
        )
    except ServiceError as exc:
        messages.error(request, exc.message)
    else:
        messages.success(request, _("Certificate revoked: verifiers refuse it from now on."))
    return redirect("vaccination:person", public_id=certificate.person.public_id)


@requires(permissions.VIEW)
@reads_personal_data("vaccination.person", target=("people.person", "public_id"))
def person_detail(request, public_id):
    """A person's doses, certificates and priority groups for officers of their area (audited read)."""
    person = person_get_visible(user=request.user, public_id=public_id)
    can_manage = has_capability(request.user, permissions.MANAGE)
    return render(
        request,
        "vaccination/person.html",
        {
            "person": person,
            "doses": selectors.dose_list_for_person(person_id=person.pk),
            "certificates": selectors.certificate_list_for_person(person_id=person.pk),
            "can_revoke": has_capability(request.user, permissions.REVOKE),
            "groups": selectors.priority_members_of(person_id=person.pk),
            "group_form": PriorityGroupForm() if can_manage else None,
        },
    )


@requires(permissions.MANAGE)
@require_POST
@no_personal_data(WRITE_THEN_REDIRECT)
def person_priority_group(request, public_id):
    """Staff put a person of their area in a priority group, or take them out of one."""
    person = person_get_visible(user=request.user, public_id=public_id)
    if request.POST.get("action") == "remove":
        services.priority_group_remove(person=person, group=request.POST.get("group", ""), actor=request.user)
        messages.success(request, _("Priority group removed."))
        return redirect("vaccination:person", public_id=person.public_id)
    form = PriorityGroupForm(request.POST)
    if not form.is_valid():
        messages.error(request, _("Choose a priority group of the list and a day that is not in the future."))
        return redirect("vaccination:person", public_id=person.public_id)
    try:
        services.priority_group_set(
            person=person,
            group=form.cleaned_data["group"],
            since=form.cleaned_data["since"],
            actor=request.user,
        )
    except ServiceError as exc:
        messages.error(request, exc.message)
    else:
        messages.success(request, _("Priority group saved."))
    return redirect("vaccination:person", public_id=person.public_id)


# --- the personal health status on other domains' pages (core.panels) ----------------------------------


def colour_label(colour: str) -> str:
    return {
        "green": _("Green: protected"),
        "yellow": _("Yellow: partly protected"),
        "grey": _("Grey: no vaccination or test known"),
        "red": _("Red: isolation or quarantine"),
    }.get(colour, colour)


def status_html(status) -> str:
    return render_to_string(
        "vaccination/_status.html", {"status": status, "colour_label": colour_label(status.colour)}
    )


def status_panel(request, *, person) -> str:
    """The proven person's health status on their personal QR page (people.my_qr)."""
    return status_html(selectors.person_status(person_id=person.pk))


@requires(permissions.DOOR)
@no_personal_data("venues and their door rule")
def door(request):
    """Venue owners (and officers) choose, per venue, whether its station refuses a red health status."""
    if request.method == "POST":
        venue_id = int_or_none(request.POST.get("venue"))
        try:
            venue = venue_get_manageable(user=request.user, venue_id=venue_id or 0)
        except ServiceError as exc:
            messages.error(request, exc.message)
        else:
            services.door_rule_set(
                venue=venue, refuse_red=request.POST.get("refuse_red") == "on", actor=request.user
            )
            messages.success(request, _("Saved: the station applies it within a minute."))
        return redirect("vaccination:door")
    return render(request, "vaccination/door.html", {"rows": selectors.door_rule_list(user=request.user)})


@requires(permissions.MANAGE)
@reads_personal_data("vaccination.invitations", target=("vaccination.session", "pk"))
def invitations(request, pk: int):
    """The session's invitation list: people picked from the registry by commune and age, slots, SMS."""
    session = selectors.session_get_visible(user=request.user, pk=pk)
    form = InvitationForm(request.POST if request.POST.get("action") == "pick" else None)
    importing = request.method == "POST" and request.POST.get("action") == "import"
    import_form = InvitationImportForm(
        request.POST if importing else None, request.FILES if importing else None
    )
    status = 200
    if importing:
        if import_form.is_valid():
            d, upload = import_form.cleaned_data, import_form.cleaned_data["file"]
            job = job_start(
                kind="vaccination.invitations_import",
                owner=request.user,
                title=_("Invitation list: %(name)s") % {"name": upload.name[:100]},
                params={
                    "session_id": session.pk,
                    "first_slot": dt.combine(session.day, d["first_slot"], VN_TZ).isoformat(),
                    "minutes_per_slot": d["minutes_per_slot"],
                    "per_slot": d["per_slot"],
                },
                files=[JobFileOut(upload.name[:200], upload.content_type or "", upload.read())],
                back_url=reverse("vaccination:invitations", kwargs={"pk": session.pk}),
            )
            return redirect("jobs:detail", job_id=job.pk)
        status = 422
    if request.method == "POST" and request.POST.get("action") == "send":
        try:
            report = services.invitations_send(session=session, actor=request.user)
        except ServiceError as exc:
            messages.error(request, exc.message)
        else:
            messages.success(
                request,
                _("Invitations sent: %(n)d (already sent before: %(a)d).")
                % {"n": report.sent, "a": report.already},
            )
        return redirect("vaccination:invitations", pk=session.pk)
    if request.method == "POST" and form.is_valid():
        d = form.cleaned_data
        try:
            n = services.invitations_create(
                session=session,
                actor=request.user,
                born_from=d["born_from"],
                born_until=d["born_until"],
                priority_group=d["priority_group"],
                first_slot=dt.combine(session.day, d["first_slot"], VN_TZ),
                minutes_per_slot=d["minutes_per_slot"],
                per_slot=d["per_slot"],
                limit=d["limit"],
            )
        except ServiceError as exc:
            messages.error(request, exc.message)
            status = exc.status
        else:
            messages.success(request, _("%(n)d people invited.") % {"n": n})
            return redirect("vaccination:invitations", pk=session.pk)
    elif request.method == "POST" and not importing:
        status = 422
    rows = list(
        Invitation.objects.filter(session=session).select_related("person").order_by("slot_at", "id")[:500]
    )
    for row in rows:
        setattr(row, "group_label", selectors.group_label(row.group))  # noqa: B010 (shown by the template)
    return render(
        request,
        "vaccination/invitations.html",
        {"session": session, "form": form, "import_form": import_form, "rows": rows},
        status=status,
    )


@requires(permissions.MANAGE)
@no_personal_data("an upload form and the import jobs' reports (job files)")
def doses_import(request):
    """The old system's Excel/CSV export of doses, imported as a job with a per-row report."""
    form = ImportForm(
        request.POST or None, request.FILES or None, sites=selectors.site_list_visible_to(user=request.user)
    )
    if request.method == "POST" and form.is_valid():
        upload = form.cleaned_data["file"]
        job = job_start(
            kind="vaccination.doses_import",
            owner=request.user,
            title=_("Dose history: %(name)s") % {"name": upload.name[:100]},
            params={"site_id": form.cleaned_data["site"].pk},
            files=[JobFileOut(upload.name[:200], upload.content_type or "", upload.read())],
            back_url=reverse("vaccination:import"),
        )
        return redirect("jobs:detail", job_id=job.pk)
    return render(
        request, "vaccination/import.html", {"form": form}, status=422 if request.method == "POST" else 200
    )
