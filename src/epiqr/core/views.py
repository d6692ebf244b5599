from functools import cache
from pathlib import Path

from django.conf import settings
from django.contrib.auth.decorators import login_not_required
from django.db import connection
from django.http import HttpResponse, JsonResponse
from django.shortcuts import redirect, render
from django.template.loader import render_to_string
from django.utils.http import url_has_allowed_host_and_scheme
from django.utils.translation import gettext as _

from epiqr.core.qr import read_bytes

from . import audit, keyring, selectors
from .audit import no_personal_data, reads_personal_data
from .jobs import JobFileOut, runs_in_background
from .services import job_start
from .timeutil import now


@login_not_required
@no_personal_data("the start page: links and the hotline number")
def home(request):
    return render(request, "core/home.html", {"hotline": settings.EPIQR_HOTLINE})


@login_not_required
@no_personal_data("the site icon")
def favicon(request):
    """Browsers ask for /favicon.ico at the site root whatever a page links: the icon drawn by
    tools/favicon.py, from the installed static files."""
    return HttpResponse(
        _favicon_bytes(), content_type="image/x-icon", headers={"Cache-Control": "public, max-age=86400"}
    )


@cache
def _favicon_bytes() -> bytes:
    from django.contrib.staticfiles import finders

    return Path(finders.find("epiqr/favicon.ico")).read_bytes()


@login_not_required
@no_personal_data("the server's health: no data")
def healthz(request):
    with connection.cursor() as cur:
        cur.execute("SELECT 1")
    return JsonResponse({"ok": True, "database": connection.vendor})


# --- scan stations: codes read from a photo ------------------------------------------------------------

MAX_PHOTO_BYTES = 8 * 1024 * 1024


def photo_codes(request) -> JsonResponse:
    """The answer of every scan station's photo upload (check-ins, sampling, the scanner self-test), for
    phones without a live camera scanner: {"codes": [...]} read by zxing-cpp, or a `detail` the station
    script shows (422 no photo or no code in it, 413 over MAX_PHOTO_BYTES). The caller checks capability
    and scope first; nothing is stored."""
    photo = request.FILES.get("photo")
    if photo is None:
        return JsonResponse({"detail": _("Attach a photo of the code."), "codes": []}, status=422)
    if photo.size > MAX_PHOTO_BYTES:
        return JsonResponse({"detail": _("The photo is too large (8 MB at most)."), "codes": []}, status=413)
    codes = read_bytes(photo.read())
    if not codes:
        return JsonResponse(
            {"detail": _("No code found in the photo; try again closer."), "codes": []}, status=422
        )
    return JsonResponse({"codes": codes})


# --- error pages (settings: DEBUG off; urls.py names them as Django's handlers) -----------------------


def back_url(request) -> str:
    """Where "Go back" leads: the page the person came from on this site, else nothing."""
    referer = request.META.get("HTTP_REFERER", "")
    if referer and url_has_allowed_host_and_scheme(
        referer, allowed_hosts={request.get_host()}, require_https=request.is_secure()
    ):
        return referer if referer != request.build_absolute_uri() else ""
    return ""


def _error_texts(status: int) -> tuple[str, str]:
    hotline = settings.EPIQR_HOTLINE
    texts = {
        400: (
            _("This request could not be read"),
            _("Something in the address or in the form was not valid. Go back and try again."),
        ),
        403: (
            _("Not allowed"),
            _("Your account cannot open this page. If your work needs it, ask your administrator."),
        ),
        404: (
            _("Page not found"),
            _("The address may be mistyped, or the page no longer exists."),
        ),
        500: (
            _("Something went wrong on our side"),
            _(
                "The error has been recorded. Try again in a minute; if it keeps happening, call the "
                "hotline %(hotline)s."
            )
            % {"hotline": hotline},
        ),
    }
    return texts[status]


def error_page(request, *, status: int, title: str = "", message: str = "") -> HttpResponse:
    """A styled error page in the active language; never the exception's own (English, internal) text."""
    default_title, default_message = _error_texts(status if status in (400, 403, 404) else 500)
    context = {
        "status": status,
        "title": title or default_title,
        "message": message or default_message,
        "back": back_url(request),
        "hotline": settings.EPIQR_HOTLINE,
    }
    try:
        return render(request, "core/error.html", context, status=status)
    except Exception:  # noqa: BLE001 - what the full page needs (session, database) may be what failed
        return HttpResponse(render_to_string("core/error.html", context), status=status)


def bad_request(request, exception=None):
    return error_page(request, status=400)


def permission_denied(request, exception=None):
    return error_page(request, status=403)


def page_not_found(request, exception=None):
    """404 for an address no route matches: JSON under /api/ (clients parse the answer), a page elsewhere."""
    if request.path_info.startswith("/api/"):
        return JsonResponse({"detail": _("Not found."), "code": "not_found"}, status=404)
    return error_page(request, status=404)


def server_error(request):
    return error_page(request, status=500)


def csrf_failure(request, reason: str = ""):
    """The form was sent with a missing or stale CSRF token (page open too long, cookies blocked)."""
    return error_page(
        request,
        status=403,
        title=_("This form has expired"),
        message=_(
            "The page was open for a long time or cookies are blocked. Go back, reload the page and send "
            "the form again: after going back, what you typed is usually still there."
        ),
    )


# --- jobs: a person's long work, its progress and results (core.jobs) -------------------------------


def upload_job_redirect(request, upload, *, kind: str, title: str, back_url: str):
    """An uploaded file becomes a job of the user's that reads it; the answer is the job's page (its
    progress, then the rows read and refused). `title` names the file as %(name)s."""
    job = job_start(
        kind=kind,
        owner=request.user,
        title=title % {"name": upload.name[:100]},
        files=[JobFileOut(upload.name[:200], upload.content_type or "", upload.read())],
        back_url=back_url,
    )
    return redirect("jobs:detail", job_id=job.pk)


@no_personal_data("the caller's own jobs: titles, counts and times")
def job_list(request):
    page = selectors.JOBS.get(
        selectors.job_list_visible_to(user=request.user), request.GET, user=request.user
    )
    return render(request, "core/jobs.html", {"page": page}, status=400 if page.query.errors else 200)


def _job_context(request, job) -> dict:
    at = now()
    left = job.seconds_left(at)
    seconds = None if left is None else int(left) + 1
    return {
        "job": job,
        "stalled": job.stalled(at),
        "seconds_left": seconds,
        "minutes_left": None if seconds is None else round(seconds / 60),
        "in_background": runs_in_background(),
    }


@no_personal_data("the caller's own job: its progress, files and the rows it refused from their own upload")
def job_detail(request, job_id: int):
    job = selectors.job_get_visible_to(user=request.user, job_id=job_id)
    issues = selectors.JOB_ISSUES.get(job.issues.all(), request.GET, user=request.user)
    context = {**_job_context(request, job), "page": issues, "files": selectors.job_result_files(job=job)}
    return render(request, "core/job.html", context, status=400 if issues.query.errors else 200)


@no_personal_data("the caller's own job: its progress")
def job_progress(request, job_id: int):
    """The progress block alone, polled by the job page (htmx) while the job runs; once it has finished
    the page reloads to show the result."""
    from django.http import HttpResponse

    job = selectors.job_get_visible_to(user=request.user, job_id=job_id)
    if job.finished and request.htmx:
        response = HttpResponse(status=204)
        response["HX-Refresh"] = "true"
        return response
    return render(request, "core/_job_progress.html", _job_context(request, job))


@reads_personal_data("job.download", target=("core.job", "job_id"))
def job_file(request, job_id: int, file_id: int):
    """A result file of one's own job; reading an export of personal data is audited."""
    from django.http import HttpResponse

    job = selectors.job_get_visible_to(user=request.user, job_id=job_id)
    found = selectors.job_file_get(job=job, file_id=file_id)
    audit.annotate(detail={"file": found.name, "kind": job.kind})
    response = HttpResponse(bytes(found.data), content_type=found.content_type)
    response["Content-Disposition"] = f'attachment; filename="{found.name}"'
    response["X-Content-Type-Options"] = "nosniff"
    response["Cache-Control"] = "private, no-store"
    return response


# --- trust lists (core.keyring): public, cacheable, downloadable ---------------------------------------


def _keyring_json(request, purpose: str, build, filename: str):
    import json

    if purpose not in keyring.purposes():
        return error_page(request, status=404)
    body = json.dumps(build(purpose), ensure_ascii=False, indent=1)
    response = HttpResponse(body, content_type="application/json; charset=utf-8")
    response["Cache-Control"] = "public, max-age=300"
    response["Access-Control-Allow-Origin"] = "*"  # other verifiers read it from their own pages
    if request.GET.get("download"):
        response["Content-Disposition"] = f'attachment; filename="{filename}"'
    return response


@login_not_required
@no_personal_data("public keys that verify signed codes")
def trust_list(request, purpose: str):
    """The public keys that verify PURPOSE's codes now (?download=1: as a file for offline verifiers)."""
    return _keyring_json(
        request,
        purpose,
        lambda p: keyring.trust_list(p, base_url=settings.PUBLIC_BASE_URL),
        f"epiqr-trust-list-{purpose}.json",
    )


@login_not_required
@no_personal_data("digests of revoked codes: nobody's name or data")
def revocation_list(request, purpose: str):
    """Digests of PURPOSE's codes revoked before their expiry."""
    return _keyring_json(request, purpose, keyring.revocation_list, f"epiqr-revocations-{purpose}.json")
