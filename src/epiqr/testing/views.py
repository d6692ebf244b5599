"""Pages: sessions and the sampling station, the lab desk, recall and statistics; result lookup for citizens."""

import hashlib
from datetime import timedelta

from django.conf import settings
from django.contrib import messages
from django.contrib.auth.decorators import login_not_required
from django.http import HttpResponse, JsonResponse
from django.shortcuts import redirect, render
from django.template.loader import render_to_string
from django.urls import reverse
from django.utils.translation import gettext as _
from django.utils.translation import ngettext
from django.views.decorators.http import require_POST

from epiqr.accounts.selectors import commune_list_in_jurisdiction
from epiqr.core import audit, export, ratelimit
from epiqr.core.audit import CITIZEN, no_personal_data, reads_personal_data
from epiqr.core.errors import ServiceError
from epiqr.core.http import safe_next
from epiqr.core.permissions import has_capability, requires
from epiqr.core.qr import svg_inline
from epiqr.core.timeutil import local_today
from epiqr.core.views import photo_codes, upload_job_redirect
from epiqr.people.citizen import citizen_page

from . import documents, permissions, pools, selectors, services, slipcode
from .forms import ImportForm, LookupForm, ResultForm, SessionForm


def _error(request, template: str, context: dict, exc: ServiceError):
    context["error"] = exc.message
    return render(request, template, context, status=exc.status)


@requires(permissions.VIEW)
@no_personal_data("sampling sessions: sites, teams, days and counts")
def sessions(request):
    page = selectors.SESSIONS.get(
        selectors.session_list_visible_to(user=request.user), request.GET, user=request.user
    )
    counts = selectors.session_tube_counts(sessions=page.items)
    return render(
        request,
        "testing/sessions.html",
        {
            "page": page,
            "rows": [(s, *counts[s.pk]) for s in page.items],
            "can_sample": has_capability(request.user, permissions.SAMPLE),
        },
        status=400 if page.query.errors else 200,
    )


def _advice(prevalence_percent, limit) -> dict | None:
    """Dorfman advice within the session's pool size limit, and the size the limit rules out, if any."""
    try:
        p = float(prevalence_percent) / 100
        limit = max(2, min(int(limit), pools.MAX_ADVISED_POOL))
    except (TypeError, ValueError):
        return None
    if not 0 <= p <= 1:
        return None
    within = pools.dorfman_advice(prevalence=p, max_pool=limit)
    unlimited = pools.dorfman_advice(prevalence=p)
    return {
        "within": within,
        "limit": limit,
        "beyond": unlimited if unlimited.pool_size > within.pool_size else None,
    }


@requires(permissions.SAMPLE)
@no_personal_data("a form for a new sampling session")
def session_new(request):
    sites = selectors.site_list_visible_to(user=request.user)
    communes = commune_list_in_jurisdiction(user=request.user)
    form = SessionForm(request.POST or None, sites=sites, communes=communes)
    data = request.POST if request.method == "POST" else request.GET
    prevalence = data.get("expected_prevalence") or data.get("prevalence") or "1"
    limit = data.get("pool_size_limit") or SessionForm.base_fields["pool_size_limit"].initial
    context = {"form": form, "advice": _advice(prevalence, limit), "prevalence": prevalence}
    if request.htmx and request.method == "GET":
        return render(request, "testing/_advice.html", context)
    if request.method == "POST" and form.is_valid():
        d = form.cleaned_data
        try:
            site = d["site"] or services.site_create(
                name=d["new_site_name"],
                address=d["new_site_address"],
                commune_id=d["new_site_commune"].pk,
                actor=request.user,
            )
            share = d["expected_prevalence"]
            session = services.session_create(
                site=site,
                team=d["team"],
                day=d["day"],
                kind=d["kind"],
                pool_size_limit=d["pool_size_limit"],
                expected_prevalence=None if share is None else share / 100,
                actor=request.user,
            )
        except ServiceError as exc:
            return _error(request, "testing/session_new.html", context, exc)
        messages.success(request, _("Session created. Open the sampling station to start."))
        return redirect("testing:session", pk=session.pk)
    return render(
        request, "testing/session_new.html", context, status=422 if request.method == "POST" else 200
    )


@requires(permissions.VIEW)
@reads_personal_data("testing.session", target=("testing.samplingsession", "pk"))
def session_detail(request, pk: int):
    session = selectors.session_get_visible(user=request.user, pk=pk)
    counts = selectors.session_counts(session=session)
    page = selectors.TUBES.get(selectors.session_tubes(session=session), request.GET, user=request.user)
    return render(
        request,
        "testing/session.html",
        {
            "session": session,
            "counts": counts,
            "repeated": selectors.session_repeated_people(session=session)
            if counts.samples != counts.people
            else [],
            "page": page,
            "can_sample": has_capability(request.user, permissions.SAMPLE),
            "advice": _advice(session.expected_prevalence * 100, session.pool_size_limit)
            if session.expected_prevalence is not None
            else None,
        },
        status=400 if page.query.errors else 200,
    )


def _station_context(request, session, step=None, error=None):
    tube = step.tube if step else services.station_open_tube(session=session, actor=request.user)
    return {
        "session": session,
        "tube": tube,
        "members": selectors.tube_members(tube=tube) if tube else [],
        "step": step,
        "error": error,
        "counts": selectors.session_counts(session=session),
        "recent": selectors.session_tubes(session=session)
        .filter(opened_by=request.user)
        .order_by("-opened_at")[:5],
    }


@requires(permissions.SAMPLE)
@reads_personal_data("testing.station", target=("testing.samplingsession", "pk"))
def station(request, pk: int):
    session = selectors.session_get_visible(user=request.user, pk=pk)
    return render(request, "testing/station.html", _station_context(request, session))


STATION_REPEAT = "testing.station_repeat"


@requires(permissions.SAMPLE)
@require_POST
@reads_personal_data("testing.station", target=("testing.samplingsession", "pk"))
def station_scan(request, pk: int):
    """One keyboard-wedge scan (tube barcode, person payload or XONG); answers the station panel."""
    session = selectors.session_get_visible(user=request.user, pk=pk)
    payload = request.POST.get("payload", "")
    if request.POST.get("action") == "done":
        payload = "XONG"
    # A person already swabbed in this session is added only when the very same code is scanned again
    # right after the warning; the session keeps a digest of that code, never the code itself.
    repeat_key = f"{session.pk}:{hashlib.sha256(payload.strip().encode()).hexdigest()}"
    repeat_ok = request.session.pop(STATION_REPEAT, None) == repeat_key
    try:
        step = services.station_scan(
            session=session, payload=payload, actor=request.user, repeat_ok=repeat_ok
        )
    except ServiceError as exc:
        if exc.code == "person_sampled_in_session":
            request.session[STATION_REPEAT] = repeat_key
        context = _station_context(request, session, error=exc.message)
        template = "testing/_station_panel.html" if request.htmx else "testing/station.html"
        return render(request, template, context, status=exc.status)
    template = "testing/_station_panel.html" if request.htmx else "testing/station.html"
    return render(request, template, _station_context(request, session, step=step))


@requires(permissions.SAMPLE)
@require_POST
@no_personal_data("codes read from an uploaded photo; nothing from the database")
def station_photo(request, pk: int):
    """Codes (tube Code128/QR, personal QR, CCCD) in a photo from a phone without a live scanner; the
    station script puts the first one in the scan input and submits it."""
    try:
        selectors.session_get_visible(user=request.user, pk=pk)
    except ServiceError as exc:
        return JsonResponse({"detail": exc.message, "codes": []}, status=exc.status)
    return photo_codes(request)


@requires(permissions.VIEW)
@reads_personal_data("testing.manifest", target=("testing.samplingsession", "pk"))
def manifest_csv(request, pk: int):
    session = selectors.session_get_visible(user=request.user, pk=pk)
    return export.response(
        documents.manifest_sheet(session=session), fmt=export.CSV, filename=f"manifest-{session.pk}.csv"
    )


@requires(permissions.VIEW)
@reads_personal_data("testing.manifest", target=("testing.samplingsession", "pk"))
def manifest_pdf(request, pk: int):
    session = selectors.session_get_visible(user=request.user, pk=pk)
    response = HttpResponse(documents.manifest_pdf(session=session), content_type="application/pdf")
    response["Content-Disposition"] = f'inline; filename="manifest-{session.pk}.pdf"'
    return response


@requires(permissions.SAMPLE)
@reads_personal_data("testing.slips_print", target=("testing.tube", "barcode"))
def slips(request, barcode: str):
    """Printable slips (one per person) for people without a phone: name, tube, result code, and a QR
    that opens the lookup with both filled in (the code after '#', so it is never sent in a URL)."""
    tube = selectors.tube_get_visible(user=request.user, barcode=barcode)
    services.slip_codes_ensure(tube=tube)
    audit.annotate(row_count=tube.member_count)
    lookup = settings.PUBLIC_BASE_URL + reverse("testing:lookup")  # printed: the public address
    slips = []
    for member in selectors.tube_members(tube=tube):
        url = selectors.slip_url(lookup=lookup, barcode=tube.barcode, code=member.slip_code)
        slips.append({"member": member, "code": slipcode.display(member.slip_code), "qr": svg_inline(url)})
    return render(request, "testing/slips.html", {"tube": tube, "slips": slips, "lookup": lookup})


@requires(permissions.VIEW)
@reads_personal_data("testing.tube_view", target=("testing.tube", "barcode"))
def tube_detail(request, barcode: str):
    tube = selectors.tube_get_visible(user=request.user, barcode=barcode)
    members = list(selectors.tube_members(tube=tube))
    audit.annotate(row_count=len(members))
    return render(
        request,
        "testing/tube.html",
        {
            "tube": tube,
            "members": members,
            "results": tube.results.select_related("entered_by"),
            "events": tube.events.select_related("actor"),
            "can_result": has_capability(request.user, permissions.RESULT),
            "form": ResultForm(initial={"barcode": tube.barcode}),
        },
    )


@requires(permissions.RESULT)
@reads_personal_data("testing.lab")
def lab(request):
    """The lab desk: one tube's result by hand, or a whole file."""
    form = ResultForm(request.POST or None)
    context = {"form": form, "import_form": ImportForm()}
    if request.method == "POST":
        if not form.is_valid():
            return render(request, "testing/lab.html", context, status=422)
        d = form.cleaned_data
        try:
            tube = selectors.tube_get_visible(user=request.user, barcode=d["barcode"])
            services.result_record(
                tube=tube,
                value=d["value"],
                ct=d["ct"],
                tested_at=d["tested_at"],
                note=d["note"],
                actor=request.user,
            )
        except ServiceError as exc:
            return _error(request, "testing/lab.html", context, exc)
        messages.success(request, _("Result recorded for tube %(barcode)s.") % {"barcode": tube.barcode})
        return redirect(safe_next(request.POST.get("next"), fallback=reverse("testing:lab")))
    return render(request, "testing/lab.html", context)


@requires(permissions.RESULT)
@require_POST
@reads_personal_data("testing.lab")
def lab_import(request):
    """A lab file is checked and stored as a job: its page shows the rows checked, the rows refused and
    the time left, then what was stored or the rows to fix."""
    form = ImportForm(request.POST, request.FILES)
    context = {"form": ResultForm(), "import_form": form}
    if not form.is_valid():
        return render(request, "testing/lab.html", context, status=422)
    upload = form.cleaned_data["file"]
    return upload_job_redirect(
        request,
        upload,
        kind="testing.results_import",
        title=_("Lab results: %(name)s"),
        back_url=reverse("testing:lab"),
    )


@requires(permissions.RESULT)
@require_POST
@reads_personal_data("testing.lab")
def lab_receive(request):
    """The lab scans arriving tubes (one barcode per line, a keyboard-wedge scanner adds the newlines).
    Known closed tubes are received whatever else the list holds; the lines that need a second look stay
    in the box, listed with the reason."""
    typed = request.POST.get("barcodes", "")
    context = {"form": ResultForm(), "import_form": ImportForm(), "barcodes": typed}
    try:
        report = services.tubes_receive(barcodes=typed.splitlines(), actor=request.user)
    except ServiceError as exc:
        return _error(request, "testing/lab.html", context, exc)
    received = ngettext("%(n)d tube received.", "%(n)d tubes received.", len(report.received)) % {
        "n": len(report.received)
    }
    if report.already:
        received += " " + ngettext(
            "%(n)d was already at the lab.", "%(n)d were already at the lab.", len(report.already)
        ) % {"n": len(report.already)}
    if not report.problems:
        messages.success(request, received)
        return redirect("testing:lab")
    context.update({"receive": report, "received_message": received, "barcodes": "\n".join(report.problems)})
    return render(request, "testing/lab.html", context, status=200 if report.received else 422)


@requires(permissions.RECALL)
@reads_personal_data("testing.recall_list", target=("testing.samplingsession", "pk"))
def recall(request, pk: int):
    session = selectors.session_get_visible(user=request.user, pk=pk)
    rows = list(selectors.recall_list(user=request.user, session=session)[:2000])
    audit.annotate(reason="recall", row_count=len(rows))
    return render(request, "testing/recall.html", {"session": session, "rows": rows})


@requires(permissions.VIEW)
@no_personal_data("counts and positivity rates")
def stats(request):
    until = local_today()
    try:
        days = max(1, min(int(request.GET.get("days", "14")), 90))
    except ValueError:
        days = 14
    rows = selectors.stats_by_day_commune(
        user=request.user, since=until - timedelta(days=days - 1), until=until
    )
    return render(request, "testing/stats.html", {"rows": rows, "days": days})


@login_not_required
@citizen_page
@no_personal_data(
    "a citizen's result lookup with the slip's second factor (audited by the service as testing.result_lookup)"
)
def lookup(request):
    """Public: a result from the slip's tube number and result code; wrong tries are limited per asker.
    The phone keeps that result (only that one) on My results."""
    form = LookupForm(request.POST or None, initial={"barcode": request.GET.get("barcode", "")[:64]})
    context = {"form": form, "hotline": settings.EPIQR_HOTLINE}
    if request.method == "POST":
        if not form.is_valid():
            return render(request, "testing/lookup.html", context, status=422)
        try:
            context["members"] = [
                services.result_lookup(
                    barcode=form.cleaned_data["barcode"],
                    code=form.cleaned_data["code"],
                    asker=ratelimit.asker_key(request),
                )
            ]
        except ServiceError as exc:
            return _error(request, "testing/lookup.html", context, exc)
        services.result_proofs_grant(device=request.citizen.device_obtain(), members=context["members"])
    return render(request, "testing/lookup.html", context)


@login_not_required
@citizen_page
@no_personal_data(CITIZEN)
def my_results(request):
    """Public: the results of the people this phone's holder proved, and the single results proved by their
    slip (people.citizen); a phone that only typed someone's details sees none."""
    citizen = request.citizen
    proven = [p.pk for p in citizen.proven]
    rows = selectors.results_for_device(
        person_ids=proven, member_ids=citizen.objects(services.SLIP_PROOF_TYPE)
    )
    return render(
        request,
        "testing/my_results.html",
        {
            "rows": rows,
            "proven": bool(proven),
            "unproven": citizen.unproven,
            "hotline": settings.EPIQR_HOTLINE,
        },
    )


def person_panel(request, *, person) -> str:
    """The person page's test results (core.panels), for those who may see results."""
    if not has_capability(request.user, permissions.VIEW):
        return ""
    context = {"results": selectors.person_results(person_ids=[person.pk]), "hotline": settings.EPIQR_HOTLINE}
    return render_to_string("testing/_person_panel.html", context, request=request)
