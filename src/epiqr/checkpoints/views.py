"""Checkpoint pages: permits (apply, import, decide, print, revoke), the holder's permit, the officer's
phone page at a checkpoint, checkpoints and their passages."""

from django.contrib import messages
from django.contrib.auth.decorators import login_not_required
from django.http import HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils.translation import gettext as _
from django.utils.translation import ngettext
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_GET, require_http_methods, require_POST

from epiqr.core import audit, export, qr
from epiqr.core.audit import WRITE_THEN_REDIRECT, no_personal_data, reads_personal_data
from epiqr.core.errors import ServiceError
from epiqr.core.input_guard import int_or_none
from epiqr.core.jobs import JobFileOut
from epiqr.core.permissions import has_capability, requires
from epiqr.core.services import job_start
from epiqr.core.timeutil import local_today

from . import documents, forms, importing, permissions, selectors, services
from .models import PermitStatus
from .schedule import hours_text, weekdays_text


@requires(permissions.PERMIT_LIST)
@reads_personal_data("checkpoints.permit_list")
def permit_list(request):
    """An organisation's permits (apply, import, print), or the jurisdiction's for an officer, who
    approves or refuses the ticked applications together."""
    qs = selectors.permit_list_visible_to(user=request.user)
    page = selectors.PERMITS.get(qs, request.GET, user=request.user)
    selectors.holders_note(numbers=[p.holder_id_number for p in page.items])
    deciding = has_capability(request.user, permissions.PERMIT_DECIDE)
    return render(
        request,
        "checkpoints/permits.html",
        {
            "page": page,
            "deciding": deciding,
            "applying": has_capability(request.user, permissions.PERMIT_APPLY) and not deciding,
            "counts": selectors.permit_counts(qs=qs),
            "applied": PermitStatus.APPLIED,
        },
        status=400 if page.query.errors else 200,
    )


@requires(permissions.PERMIT_APPLY)
@require_http_methods(["GET", "POST"])
@no_personal_data("a form for a new application: shows only what the caller typed, then redirects")
def permit_apply(request):
    form = forms.ApplicationForm(
        request.POST or None,
        initial={"valid_from": local_today(), "hours": "06:00-22:00", "weekdays": "T2-T6"},
    )
    if request.method == "POST" and form.is_valid():
        try:
            permit = services.permit_apply(actor=request.user, data=dict(form.cleaned_data))
        except ServiceError as exc:
            form.add_error(None, exc.message)
        else:
            messages.success(request, _("Application No. %(n)s sent to the authority.") % {"n": permit.pk})
            return redirect("checkpoints:permit", permit_id=permit.pk)
    return render(request, "checkpoints/apply.html", {"form": form}, status=422 if form.errors else 200)


@requires(permissions.PERMIT_APPLY)
@require_http_methods(["GET", "POST"])
@no_personal_data("the staff-list upload form: the file becomes a job whose page only its uploader sees")
def permit_import(request):
    """The staff list uploaded as a job: its page shows the progress and the rows refused, with why."""
    form = forms.ImportForm(request.POST or None, request.FILES or None)
    if request.method == "POST" and form.is_valid():
        services.organisation_of(request.user)  # an account without an organisation is told now
        upload = form.cleaned_data["file"]
        job = job_start(
            kind="checkpoints.permits_import",
            owner=request.user,
            title=_("Import staff list: %(name)s") % {"name": upload.name[:100]},
            files=[JobFileOut(upload.name[:200], upload.content_type or "", upload.read())],
            back_url=reverse("checkpoints:permits"),
        )
        return redirect("jobs:detail", job_id=job.pk)
    return render(request, "checkpoints/import.html", {"form": form}, status=422 if form.errors else 200)


@requires(permissions.PERMIT_APPLY)
@require_GET
@no_personal_data("the empty import template (headers and an example of made-up values)")
def import_template(request):
    return export.response(importing.template_sheets(), fmt=export.XLSX, filename="mau-giay-di-duong.xlsx")


@requires(permissions.PERMIT_DECIDE)
@require_POST
@no_personal_data(WRITE_THEN_REDIRECT)
def permits_decide(request):
    ids = [i for i in (int_or_none(v) for v in request.POST.getlist("permits")) if i is not None]
    decision = request.POST.get("decision")
    back = reverse("checkpoints:permits") + (
        "?" + request.POST.get("back", "")[:500] if request.POST.get("back") else ""
    )
    if decision not in ("approve", "refuse"):
        messages.error(request, _("Choose to approve or to refuse."))
        return redirect(back)
    try:
        report = services.permits_decide(
            actor=request.user,
            permit_ids=ids,
            approve=decision == "approve",
            reason=request.POST.get("reason", ""),
        )
    except ServiceError as exc:
        messages.error(request, exc.message)
        return redirect(back)
    n = len(report.done)
    if decision == "approve":
        messages.success(
            request,
            ngettext("%(n)d permit approved and signed.", "%(n)d permits approved and signed.", n) % {"n": n},
        )
    else:
        messages.success(
            request, ngettext("%(n)d application refused.", "%(n)d applications refused.", n) % {"n": n}
        )
    for pk, why in report.skipped[:20]:
        messages.warning(request, _("No. %(n)s skipped: %(why)s") % {"n": pk, "why": why})
    return redirect(back)


def _permit_context(permit) -> dict:
    return {
        "permit": permit,
        "lines": documents.permit_lines(permit),
        "weekdays": weekdays_text(permit.weekdays),
        "hours": hours_text(permit.start_minute, permit.end_minute),
        "qr_svg": qr.svg_inline(permit.payload, label=_("Movement permit QR"), error=documents.QR_ERROR)
        if permit.payload
        else "",
    }


@requires(permissions.PERMIT_LIST)
@reads_personal_data("checkpoints.permit_view", target=("checkpoints.permit", "permit_id"))
def permit_detail(request, permit_id: int):
    permit = selectors.permit_get_visible(user=request.user, permit_id=permit_id)
    selectors.holders_note(numbers=[permit.holder_id_number])
    context = _permit_context(permit)
    context.update(
        history=permit.history.select_related("by"),
        can_revoke=has_capability(request.user, permissions.PERMIT_DECIDE)
        and permit.status == PermitStatus.APPROVED,
        revoke_form=forms.RevokeForm(),
    )
    return render(request, "checkpoints/permit.html", context)


@requires(permissions.PERMIT_LIST)
@require_GET
@reads_personal_data("checkpoints.permit_pdf", target=("checkpoints.permit", "permit_id"))
def permit_pdf(request, permit_id: int):
    permit = selectors.permit_get_visible(user=request.user, permit_id=permit_id)
    if not permit.payload:
        return render(
            request,
            "core/refused.html",
            {"message": _("Only an approved permit can be printed.")},
            status=409,
        )
    selectors.holders_note(numbers=[permit.holder_id_number])
    response = HttpResponse(documents.permits_pdf(permits=[permit]), content_type="application/pdf")
    response["Content-Disposition"] = f'inline; filename="giay-di-duong-{permit.pk}.pdf"'
    return response


@requires(permissions.PERMIT_DECIDE)
@require_POST
@no_personal_data(WRITE_THEN_REDIRECT)
def permit_revoke(request, permit_id: int):
    form = forms.RevokeForm(request.POST)
    if not form.is_valid():
        messages.error(request, _("Give the reason for revoking."))
        return redirect("checkpoints:permit", permit_id=permit_id)
    try:
        services.permit_revoke(actor=request.user, permit_id=permit_id, reason=form.cleaned_data["reason"])
    except ServiceError as exc:
        messages.error(request, exc.message)
    else:
        messages.success(request, _("Permit revoked; checkpoints refuse it from their next refresh."))
    return redirect("checkpoints:permit", permit_id=permit_id)


@login_not_required
@never_cache
@require_GET
@no_personal_data(
    "the holder's own permit from the signed link sent to them: what their paper shows (like a citizen's own page)"
)
def holder_permit(request, token: str):
    """Public: the holder's permit on their phone, from the signed link they were sent (the link is the
    permit: whoever holds it can show the QR, as with the paper; the checkpoint checks the ID card)."""
    permit = selectors.permit_from_link(token=token)
    return render(request, "checkpoints/holder.html", _permit_context(permit))


# --- the checkpoint officer's phone page -------------------------------------------------------------


@requires(permissions.VERIFY)
@no_personal_data("the checkpoints the officer works at")
def station_pick(request):
    """The officer's checkpoints: straight to the page of the only one, else a choice."""
    checkpoints = list(selectors.checkpoint_list_for_officer(user=request.user))
    if len(checkpoints) == 1:
        return redirect("checkpoints:station", checkpoint_id=checkpoints[0].pk)
    return render(request, "checkpoints/station_pick.html", {"checkpoints": checkpoints})


@requires(permissions.VERIFY)
@no_personal_data(
    "the checkpoint's phone page: the shift's counts; scans are verified on the phone or by the audited verify API"
)
def station(request, checkpoint_id: int):
    """Scan, result, log, counts of the shift; works offline once loaded (static checkpoints/station.js:
    the trust and revocation lists cached, permits verified with WebCrypto, passages queued and synced)."""
    checkpoint = selectors.checkpoint_list_for_officer(user=request.user).filter(pk=checkpoint_id).first()
    if checkpoint is None:
        return render(
            request,
            "core/refused.html",
            {"message": _("You are not an officer of this checkpoint.")},
            status=403,
        )
    return render(
        request,
        "checkpoints/station.html",
        {
            "checkpoint": checkpoint,
            "counts": selectors.shift_counts(checkpoint=checkpoint),
            "labels": selectors.reason_labels(),
            "words": _station_words(),
            "place": selectors.place_of(checkpoint),
        },
    )


def _station_words() -> dict[str, str]:
    """The page script's words, in the page's language."""
    return {
        "valid": _("VALID"),
        "not_valid": _("NOT VALID"),
        "checking": _("Checking…"),
        "permit_no": _("Permit No."),
        "online": _("Online"),
        "offline": _("OFFLINE: permits are checked on this phone, passages are kept and sent later"),
        "lists": _("keys and revocations of"),
        "no_lists": _("keys not downloaded yet: connect once"),
        "waiting": _("%(n)s passages to send"),
        "login_again": _("Log in again to send the passages kept on this phone."),
        "registry_offline": _("No network: the population registry was not asked."),
        "scan_card": _("Scan the holder's ID card to compare (optional)."),
    }


@login_not_required
@require_GET
@no_personal_data("the station page's service worker script")
def service_worker(request):
    """The station page's service worker, served under /checkpoints/ so that it may keep that page for
    offline use (a worker controls only the paths below its own)."""
    from django.contrib.staticfiles import finders
    from django.templatetags.static import static

    path = finders.find("checkpoints/sw.js")
    with open(path, encoding="utf-8") as f:
        body = f.read()
    assets = [
        static(name)
        for name in (
            "checkpoints/station.js",
            "checkpoints/verify.js",
            "checkpoints/station.css",
            "epiqr/base.css",
            "epiqr/base.js",
            "epiqr/page.js",
            "epiqr/scanstation.js",
        )
    ]
    body = body.replace("/*ASSETS*/[]", repr(assets).replace("'", '"'))
    response = HttpResponse(body, content_type="text/javascript; charset=utf-8")
    response["Cache-Control"] = "no-cache"
    return response


# --- checkpoints ---------------------------------------------------------------------------------------


@requires(permissions.MANAGE)
@no_personal_data("checkpoints of the jurisdiction: places, hours, officers and the shift's counts")
def checkpoint_list(request):
    checkpoints = list(selectors.checkpoint_list_visible_to(user=request.user).prefetch_related("officers"))
    rows = [(c, selectors.shift_counts(checkpoint=c)) for c in checkpoints]
    return render(request, "checkpoints/checkpoints.html", {"rows": rows})


@requires(permissions.MANAGE)
@reads_personal_data("checkpoints.passages_view", target=("checkpoints.checkpoint", "checkpoint_id"))
def checkpoint_detail(request, checkpoint_id: int):
    checkpoint = selectors.checkpoint_get_visible(user=request.user, checkpoint_id=checkpoint_id)
    page = selectors.PASSAGES.get(
        selectors.passage_list_visible_to(user=request.user, checkpoint=checkpoint),
        request.GET,
        user=request.user,
    )
    labels = selectors.reason_labels()
    for passage in page.items:
        passage.reason_texts = [labels.get(r, r) for r in passage.reasons]
    selectors.holders_note(numbers=[p.holder_id_number for p in page.items])
    audit.annotate(row_count=len(page.items))
    return render(
        request,
        "checkpoints/checkpoint.html",
        {
            "checkpoint": checkpoint,
            "page": page,
            "counts": selectors.shift_counts(checkpoint=checkpoint),
            "labels": selectors.reason_labels(),
        },
        status=400 if page.query.errors else 200,
    )
