"""Venue pages: self-service sign-up, my venues, detail with posters, officer registration, import
and batch printing. Thin: parse the form, call one service or selector, render."""

from urllib.parse import urlencode

from django.contrib import messages
from django.contrib.auth import login
from django.contrib.auth.decorators import login_not_required
from django.core.exceptions import PermissionDenied
from django.http import HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils import translation
from django.utils.translation import gettext as _
from django.utils.translation import ngettext
from django.views.decorators.http import require_GET, require_http_methods, require_POST

from epiqr.core import export, qr
from epiqr.core.audit import no_personal_data
from epiqr.core.errors import Forbidden, Invalid, ServiceError
from epiqr.core.permissions import has_capability, requires
from epiqr.core.services import job_start
from epiqr.core.timeutil import local_today
from epiqr.core.views import upload_job_redirect
from epiqr.geo.selectors import commune_search

from . import forms, importing, permissions, posters, safety, selectors, services
from .codes import code_display

MAX_BATCH = 5000  # pages in one PDF (drawn as a job: see venues.jobs)


def _form_error(form, exc: ServiceError) -> None:
    field = exc.field if exc.field in form.fields else None
    if exc.field == "commune_id":
        field = "commune"
    form.add_error(field, exc.message)


def _can_register(user) -> bool:
    return has_capability(user, permissions.REGISTER) or has_capability(user, permissions.MANAGE_OWN)


@login_not_required
@require_http_methods(["GET", "POST"])
@no_personal_data("venues: places, their codes and posters; no citizen's data")
def signup(request):
    """Public: a shop owner registers their venue (and their account if not logged in)."""
    user = request.user
    if user.is_authenticated:
        if _can_register(user):
            return redirect("venues:new")
        raise PermissionDenied(_("Your account cannot register venues."))
    form = forms.SignupForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        data = form.cleaned_data
        try:
            venue = services.venue_owner_signup(
                username=data["username"],
                password=data["password"],
                full_name=data["full_name"],
                owner_phone=data["owner_phone"],
                venue=form.venue_fields(),
            )
        except Invalid as exc:
            _form_error(form, exc)
        else:
            login(request, venue.owner, backend="django.contrib.auth.backends.ModelBackend")
            messages.success(request, _("Your venue is registered. Print its poster below."))
            return redirect("venues:detail", venue.pk)
    return render(
        request, "venues/form.html", {"form": form, "signup": True, "title": _("Register your venue")}
    )


@require_http_methods(["GET", "POST"])
@no_personal_data("venues: places, their codes and posters; no citizen's data")
def venue_new(request):
    """A logged-in owner adds another venue; an officer registers one in their jurisdiction."""
    user = request.user
    if not _can_register(user):
        raise PermissionDenied(_("Your account cannot register venues."))
    form = forms.VenueForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        is_officer = has_capability(user, permissions.REGISTER)
        try:
            venue = services.venue_register(
                **form.venue_fields(), owner=None if is_officer else user, actor=user
            )
        except Invalid as exc:
            _form_error(form, exc)
        except Forbidden as exc:
            form.add_error("commune", exc.message)
        else:
            messages.success(
                request,
                _("Venue %(name)s registered with code %(code)s.")
                % {"name": venue.name, "code": code_display(venue.code)},
            )
            return redirect("venues:detail", venue.pk)
    return render(request, "venues/form.html", {"form": form, "title": _("Register a venue")})


@requires(permissions.VIEW)
@require_GET
@no_personal_data("venues: places, their codes and posters; no citizen's data")
def venue_list(request):
    """My venues (owner, staff) or the venues of my jurisdiction (officer), filtered, sorted and paged."""
    page = selectors.VENUES.get(
        selectors.venue_list_visible_to(user=request.user), request.GET, user=request.user
    )
    batch = {k: v for k, v in page.query.params().items() if k in ("commune", "sector")}
    return render(
        request,
        "venues/list.html",
        {
            "page": page,
            "can_register": _can_register(request.user),
            "can_import": has_capability(request.user, permissions.IMPORT),
            "can_print": has_capability(request.user, permissions.PRINT),
            "batch_query": urlencode(batch),
        },
        status=400 if page.query.errors else 200,
    )


@requires(permissions.VIEW)
@require_GET
@no_personal_data("venues: places, their codes and posters; no citizen's data")
def venue_detail(request, pk: int):
    venue = selectors.venue_get_visible(user=request.user, venue_id=pk)
    url = selectors.venue_url(venue=venue)
    return render(
        request,
        "venues/detail.html",
        {
            "venue": venue,
            "url": url,
            "code": code_display(venue.code),
            "qr_svg": qr.svg_inline(url, error=posters.QR_ERROR),
            "can_manage": selectors.venue_may_manage(user=request.user, venue=venue),
            "can_print": has_capability(request.user, permissions.PRINT),
            "can_assess": venue.owner_id == request.user.pk
            and has_capability(request.user, permissions.SELF_ASSESS),
            "safety_now": selectors.safety_statuses(venue_ids=[venue.pk], on=local_today()).get(venue.pk),
        },
    )


@requires(permissions.SELF_ASSESS)
@require_http_methods(["GET", "POST"])
@no_personal_data("a venue's COVID-safety self-assessment: the place's measures, nobody's data")
def venue_safety(request, pk: int):
    """The owner fills the COVID-safety checklist of their venue; the status shows on the safe-venue map."""
    venue = selectors.venue_get_assessable(user=request.user, venue_id=pk)
    checklist = safety.checklist_for(local_today())
    latest = selectors.safety_latest(venue=venue)
    initial = latest.answers if latest is not None and latest.checklist == checklist.id else {}
    form = forms.SafetyForm(request.POST or None, initial=initial, checklist=checklist)
    if request.method == "POST" and form.is_valid():
        try:
            row = services.venue_safety_assess(venue=venue, actor=request.user, answers=form.answers())
        except Invalid as exc:
            form.add_error(None, exc.message)
        else:
            messages.success(
                request,
                _("Self-assessment saved: %(status)s, shown on the safe-venue map until %(day)s.")
                % {"status": row.get_status_display(), "day": row.valid_until.strftime("%d/%m/%Y")},
            )
            return redirect("venues:detail", venue.pk)
    return render(
        request,
        "venues/safety.html",
        {
            "venue": venue,
            "form": form,
            "checklist": checklist,
            "latest": latest,
            "essential": {i.key for i in checklist.items if i.essential},
            "today": local_today(),
        },
        status=422 if form.errors else 200,
    )


@requires(permissions.PRINT)
@require_GET
@no_personal_data("venues: places, their codes and posters; no citizen's data")
def venue_poster(request, pk: int, kind: str):
    venue = selectors.venue_get_visible(user=request.user, venue_id=pk)
    size = request.GET.get("size", "A4")
    if size not in posters.PAGE_SIZES:
        return HttpResponse(
            _("Paper size must be A4 or A5."), status=400, content_type="text/plain; charset=utf-8"
        )
    url = selectors.venue_url(venue=venue)
    with translation.override("vi"):
        if kind == "pdf":
            body, content_type = posters.poster_pdf(venue=venue, url=url, size=size), "application/pdf"
        else:
            body, content_type = posters.poster_png(venue=venue, url=url, size=size), "image/png"
    response = HttpResponse(body, content_type=content_type)
    filename = f"poster-{venue.code}-{size}.{kind}"
    disposition = "attachment" if request.GET.get("download") else "inline"
    response["Content-Disposition"] = f'{disposition}; filename="{filename}"'
    return response


@require_http_methods(["GET", "POST"])
@no_personal_data("venues: places, their codes and posters; no citizen's data")
def venue_revoke(request, pk: int):
    """GET asks for confirmation; POST invalidates every printed poster of the venue."""
    venue = selectors.venue_get_manageable(user=request.user, venue_id=pk)
    if request.method == "POST":
        services.venue_token_revoke(venue=venue, actor=request.user)
        messages.success(
            request, _("Old posters no longer work. Print the new poster and replace every old copy now.")
        )
        return redirect("venues:detail", venue.pk)
    return render(request, "venues/revoke_confirm.html", {"venue": venue})


@require_POST
@no_personal_data("venues: places, their codes and posters; no citizen's data")
def venue_set_active(request, pk: int):
    """Close a venue (its posters stop working) or reopen it (the same posters work again)."""
    venue = selectors.venue_get_manageable(user=request.user, venue_id=pk)
    active = request.POST.get("active") == "1"
    try:
        services.venue_update(venue=venue, actor=request.user, is_active=active)
    except Invalid as exc:
        messages.error(request, exc.message)
    else:
        messages.success(
            request, _("Venue reopened.") if active else _("Venue closed: its posters no longer work.")
        )
    return redirect("venues:detail", venue.pk)


@require_http_methods(["GET", "POST"])
@no_personal_data("venues: places, their codes and posters; no citizen's data")
def venue_edit(request, pk: int):
    venue = selectors.venue_get_manageable(user=request.user, venue_id=pk)
    initial = {
        "name": venue.name,
        "sector": venue.sector,
        "address": venue.address,
        "commune": str(venue.commune),
        "phone": venue.phone,
        "capacity": venue.capacity,
        "starts_at": venue.starts_at,
        "ends_at": venue.ends_at,
    }
    form = forms.VenueForm(request.POST or None, initial=initial)
    if request.method == "POST" and form.is_valid():
        try:
            services.venue_update(venue=venue, actor=request.user, **form.venue_fields())
        except Invalid as exc:
            _form_error(form, exc)
        except Forbidden as exc:
            form.add_error("commune", exc.message)
        else:
            messages.success(request, _("Saved. The printed posters keep working."))
            return redirect("venues:detail", venue.pk)
    return render(request, "venues/form.html", {"form": form, "title": _("Edit venue"), "venue": venue})


@requires(permissions.IMPORT)
@require_http_methods(["GET", "POST"])
@no_personal_data("venues: places, their codes and posters; no citizen's data")
def venue_import(request):
    """Officers upload a sheet; it is checked and stored as a job (its page shows the progress and the
    rows to fix); nothing is stored unless every row is valid."""
    form = forms.ImportForm(request.POST or None, request.FILES or None)
    if request.method == "POST" and form.is_valid():
        upload = form.cleaned_data["file"]
        return upload_job_redirect(
            request,
            upload,
            kind="venues.import",
            title=_("Import venues: %(name)s"),
            back_url=reverse("venues:list"),
        )
    return render(request, "venues/import.html", {"form": form}, status=422 if form.errors else 200)


@requires(permissions.IMPORT)
@require_GET
@no_personal_data("venues: places, their codes and posters; no citizen's data")
def import_template(request):
    return export.response(importing.template_sheets(), fmt=export.XLSX, filename="mau-nhap-dia-diem.xlsx")


@requires(permissions.PRINT)
@require_GET
@no_personal_data("venues: places, their codes and posters; no citizen's data")
def batch_posters(request):
    """Posters for every active venue of a commune and sector in the user's scope, one PDF."""
    form = forms.BatchForm(request.GET or None)
    count = None
    if form.is_bound and form.is_valid():
        commune = form.cleaned_data["commune"]
        qs = selectors.venue_list_filtered(
            user=request.user,
            commune_id=commune.code if commune else None,
            sector=form.cleaned_data["sector"],
            active_only=True,
        )
        count = qs.count()
        if count > MAX_BATCH:
            form.add_error(
                None,
                _("%(n)d venues match; narrow to at most %(max)d (choose a commune or sector).")
                % {"n": count, "max": MAX_BATCH},
            )
        elif count and request.GET.get("download"):
            size = form.cleaned_data["size"]
            job = job_start(
                kind="venues.posters",
                owner=request.user,
                title=ngettext(
                    "Posters of %(n)d venue (%(size)s)", "Posters of %(n)d venues (%(size)s)", count
                )
                % {"n": count, "size": size},
                params={
                    "commune": commune.code if commune else None,
                    "sector": form.cleaned_data["sector"],
                    "size": size,
                },
                back_url=reverse("venues:batch"),
            )
            return redirect("jobs:detail", job_id=job.pk)
    return render(request, "venues/batch.html", {"form": form, "count": count, "max": MAX_BATCH})


@login_not_required
@require_GET
@no_personal_data("venues: places, their codes and posters; no citizen's data")
def commune_options(request):
    """<option>s for the commune datalist, searched with or without diacritics (htmx)."""
    text = (request.GET.get("commune") or request.GET.get("q") or "")[:100]
    province = getattr(request.user, "province_id", None) if request.user.is_authenticated else None
    rows = commune_search(query=text.split(",")[0], province_code=province, limit=15) if text.strip() else []
    return render(request, "venues/_commune_options.html", {"communes": rows})
