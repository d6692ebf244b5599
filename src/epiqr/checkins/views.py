"""Check-in pages: the public self check-in (/v/<token>), declarations, scan station, venue and officer views."""

from datetime import timedelta

from django.contrib.auth.decorators import login_not_required
from django.core.exceptions import PermissionDenied
from django.http import JsonResponse
from django.shortcuts import redirect, render
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from epiqr.core import ratelimit
from epiqr.core.device import device_people, device_remember
from epiqr.core.errors import ServiceError
from epiqr.core.permissions import has_capability, requires
from epiqr.core.services import audit_record
from epiqr.core.timeutil import local_today

from . import selectors, services
from .forms import DeclarationForm, VisitorForm
from .models import DeclarationKind
from .permissions import FOLLOW_UP, SCAN, VIEW_VENUE_STATS, VIEW_VISITORS

MAX_PHOTO_BYTES = 8 * 1024 * 1024

# --- public: self check-in -------------------------------------------------------------------------


def _refusal_words(exc: ServiceError) -> tuple[str, list[str]]:
    """The title and the sentences a citizen reads when a poster's code is refused: what happened and
    what to do, in plain words (the reason code itself is never shown)."""
    if exc.code == "token_revoked":
        return _("This poster has been replaced"), [
            _(
                "The venue printed a new poster, so this one no longer works. Scan the newest poster at the "
                "entrance, or type the venue code printed on it."
            ),
            _("Nothing was recorded."),
        ]
    if exc.code == "token_expired":
        return _("This code has expired"), [
            _("Scan the code on the screen again: it changes every few minutes."),
            _("Nothing was recorded."),
        ]
    if exc.code == "token_unknown":
        return _("This venue no longer exists"), [_("Nothing was recorded.")]
    if exc.code == "venue_inactive":
        return _("This venue is closed"), [_("Nothing was recorded.")]
    return _("This QR code is not valid"), [
        exc.message,
        _(
            "Nothing was recorded. Tell the staff at the entrance; you can also type the venue code printed "
            "on the venue's official poster."
        ),
    ]


def _venue_or_invalid_page(request, token: str):
    from epiqr.venues.selectors import venue_from_token

    try:
        return venue_from_token(token=token), None
    except ServiceError as exc:
        title, sentences = _refusal_words(exc)
        context = {
            "title": title,
            "sentences": sentences,
            "offer_code": exc.code not in ("token_expired", "token_unknown", "venue_inactive"),
            "refusal": exc.code,
        }
        return None, render(request, "checkins/invalid_qr.html", context, status=400)


# A path after /v/ without the signature's dot and about as long as a code is a code typed in the
# address bar ("/v/hk7-m3qx"), not a damaged poster token.
_TYPED_CODE_MAX = 24


@login_not_required
def venue_code(request, typed: str | None = None):
    """The address printed under the poster's QR: a citizen who cannot scan types the venue code and
    lands on the same check-in page the QR code opens."""
    from epiqr.venues.selectors import venue_token
    from epiqr.venues.services import venue_code_lookup

    text = request.GET.get("code") if typed is None else typed
    if text is None:
        return render(request, "checkins/venue_code.html", {"typed": ""})
    try:
        venue = venue_code_lookup(text=text, asker=ratelimit.asker_key(request))
    except ServiceError as exc:
        context = {"typed": text[:_TYPED_CODE_MAX], "error": exc.message}
        return render(request, "checkins/venue_code.html", context, status=exc.status)
    return redirect("public:venue_checkin", token=venue_token(venue=venue))


@login_not_required
def venue_checkin(request, token: str):
    """GET: the venue page (one tap for remembered people, a short form the first time). POST: check in."""
    if "." not in token and len(token) <= _TYPED_CODE_MAX:
        return venue_code(request, typed=token)
    venue, invalid = _venue_or_invalid_page(request, token)
    if invalid:
        return invalid
    known = selectors.people_for_device(public_ids=device_people(request))
    adding = request.GET.get("add") == "1" or request.POST.get("action") == "register" or not known
    form = VisitorForm(
        request.POST if request.method == "POST" and adding else None,
        province_code=venue.commune.province_id,
        initial={"commune": venue.commune_id},
    )
    context = {"venue": venue, "token": token, "known": known, "form": form, "adding": adding}
    if request.method != "POST":
        return render(request, "checkins/self_checkin.html", context)
    has_symptoms = request.POST.get("symptoms") == "yes"
    try:
        if adding:
            if not form.is_valid():
                return render(request, "checkins/self_checkin.html", context, status=400)
            from epiqr.geo.models import Commune

            person = services.visitor_register(
                full_name=form.cleaned_data["full_name"],
                phone=form.cleaned_data["phone"],
                birth_year=form.cleaned_data["birth_year"],
                commune=Commune.objects.filter(pk=form.cleaned_data["commune"]).first(),
                id_number=form.cleaned_data["id_number"],
            )
            people = [person]
        else:
            chosen = set(request.POST.getlist("person"))
            people = [p for p in known if str(p.public_id) in chosen]
        outcomes = services.checkin_self(venue_id=venue.pk, people=people, has_symptoms=has_symptoms)
    except ServiceError as exc:
        context["error"] = exc.message
        return render(request, "checkins/self_checkin.html", context, status=400)
    response = render(
        request,
        "checkins/confirmed.html",
        {
            "venue": venue,
            "outcomes": outcomes,
            "has_symptoms": has_symptoms,
            "any_refused": any(not o.green for o in outcomes),
            "at": next((o.checkin.checked_in_at for o in outcomes if o.checkin), None),
            "checkin_ids": [o.checkin.pk for o in outcomes if o.checkin],
        },
    )
    device_remember(response, request, [str(p.public_id) for p in people])
    return response


@login_not_required
@require_POST
def checkout(request):
    known = selectors.people_for_device(public_ids=device_people(request))
    ids = [int(i) for i in request.POST.getlist("checkin") if i.isdigit()]
    count = services.checkin_checkout(checkin_ids=ids, person_ids=[p.pk for p in known])
    return render(request, "checkins/checked_out.html", {"count": count}, status=200 if count else 400)


@login_not_required
def my_checkins(request):
    known = selectors.people_for_device(public_ids=device_people(request))
    visits = selectors.checkins_of_people(person_ids=[p.pk for p in known]) if known else []
    return render(request, "checkins/my_checkins.html", {"known": known, "visits": visits})


@login_not_required
@require_POST
def forget_device(request):
    from epiqr.core.device import device_forget

    response = redirect("public:my_checkins")
    device_forget(response)
    return response


@login_not_required
def declare(request):
    """The public health declaration (domestic or entry)."""
    from epiqr.core.input_guard import int_or_none
    from epiqr.geo.models import Province

    kind = request.GET.get("kind") or request.POST.get("kind") or DeclarationKind.DOMESTIC
    province_code = int_or_none(request.GET.get("province") or request.POST.get("province")) or 1
    form = DeclarationForm(
        request.POST if request.method == "POST" else None,
        province_code=province_code,
        initial={"kind": kind},
    )
    context = {
        "form": form,
        "kind": kind,
        "entry": kind == DeclarationKind.ENTRY,
        "provinces": Province.objects.order_by("name"),
        "province_code": province_code,
    }
    if request.method == "POST":
        if form.is_valid():
            declaration = services.declaration_submit(data=form.cleaned_data)
            return render(request, "checkins/declared.html", {"declaration": declaration})
        return render(request, "checkins/declare.html", context, status=400)
    return render(request, "checkins/declare.html", context)


# --- staff: scan station ---------------------------------------------------------------------------


@requires(SCAN)
def station_pick(request):
    venues = list(selectors.venues_for_station(user=request.user)[:200])
    if len(venues) == 1:
        return redirect("checkins:station", venue_id=venues[0].pk)
    return render(request, "checkins/station_pick.html", {"venues": venues})


def _station_venue(request, venue_id: int):
    venue = selectors.venues_for_station(user=request.user).filter(pk=venue_id).first()
    if venue is None:
        raise PermissionDenied("venue outside scope")
    return venue


@requires(SCAN)
def station(request, venue_id: int):
    """The scan station: keyboard wedge or camera payloads, or a typed ID number / phone."""
    venue = _station_venue(request, venue_id)
    outcome = error = None
    status = 200
    if request.method == "POST":
        try:
            if request.POST.get("identifier") is not None:
                outcome = services.checkin_manual(
                    venue_id=venue.pk, identifier=request.POST["identifier"], actor=request.user
                )
            else:
                outcome = services.checkin_scan(
                    venue_id=venue.pk, payload=request.POST.get("payload", ""), actor=request.user
                )
        except ServiceError as exc:
            error, status = exc, exc.status
    template = "checkins/_station_result.html" if request.htmx else "checkins/station.html"
    return render(request, template, {"venue": venue, "outcome": outcome, "error": error}, status=status)


@requires(SCAN)
@require_POST
def station_photo(request, venue_id: int):
    """Decode a photo taken by a phone without BarcodeDetector; the codes go back to the station script."""
    from epiqr.core.qr import read_bytes

    _station_venue(request, venue_id)
    photo = request.FILES.get("photo")
    if photo is None:
        return JsonResponse({"detail": _("No photo was sent."), "codes": []}, status=400)
    if photo.size > MAX_PHOTO_BYTES:
        return JsonResponse({"detail": _("The photo is too large."), "codes": []}, status=413)
    codes = read_bytes(photo.read())
    if not codes:
        return JsonResponse(
            {"detail": _("No code found in the photo; try again closer."), "codes": []}, status=422
        )
    return JsonResponse({"codes": codes})


# --- venue owner --------------------------------------------------------------------------------


@requires(VIEW_VENUE_STATS)
def venue_list(request):
    venues = list(selectors.venues_for_station(user=request.user)[:200])
    if len(venues) == 1:
        return redirect("checkins:venue_dashboard", venue_id=venues[0].pk)
    return render(request, "checkins/venue_list.html", {"venues": venues})


@requires(VIEW_VENUE_STATS)
def venue_dashboard(request, venue_id: int):
    venue = selectors.venues_for_station(user=request.user).filter(pk=venue_id).first()
    if venue is None:
        raise PermissionDenied("venue outside scope")
    hours = selectors.checkin_hourly_today(venue_id=venue.pk)
    occupancy = selectors.venue_occupancy(venue_id=venue.pk)
    peak = max(hours) or 1
    return render(
        request,
        "checkins/venue_dashboard.html",
        {
            "venue": venue,
            "hours": [(h, n, round(100 * n / peak)) for h, n in enumerate(hours)],
            "today_total": sum(hours),
            "recent": selectors.venue_recent_days(venue_id=venue.pk),
            "occupancy": occupancy,
            "occupancy_pct": round(100 * occupancy / venue.capacity) if venue.capacity else None,
            "can_see_visitors": has_capability(request.user, VIEW_VISITORS),
            "rotating_url": None,
        },
    )


@requires(VIEW_VISITORS)
def visitors(request, venue_id: int):
    """The venue's own visitor list within the retention period; every read is audited."""
    from datetime import date

    try:
        day = date.fromisoformat(request.GET["day"]) if request.GET.get("day") else local_today()
    except ValueError:
        day = local_today()
    try:
        venue = selectors.venue_for_owner(user=request.user, venue_id=venue_id)
    except ServiceError as exc:
        raise PermissionDenied("not your venue") from exc
    rows = list(selectors.visitor_list(user=request.user, venue_id=venue.pk, day=day))
    audit_record(
        actor=request.user,
        action="checkins.visitor_list",
        target=venue,
        reason="venue owner views own visitors",
        row_count=len(rows),
        detail={"day": day.isoformat()},
    )
    days = [local_today() - timedelta(days=i) for i in range(services.retention_days())]
    return render(request, "checkins/visitors.html", {"venue": venue, "rows": rows, "day": day, "days": days})


@requires(SCAN)
def venue_screen(request, venue_id: int):
    """A code for a screen at the door that changes every few minutes (a photo of it soon stops working)."""
    from epiqr.core.qr import draw_svg
    from epiqr.venues.selectors import venue_rotating_url

    venue = _station_venue(request, venue_id)
    url = venue_rotating_url(venue=venue)
    return render(
        request, "checkins/screen.html", {"venue": venue, "svg": draw_svg(url, scale=8), "url": url}
    )


# --- commune officer --------------------------------------------------------------------------------


@requires(FOLLOW_UP)
def officer(request):
    from . import tasks

    if selectors.counts_need_refresh():
        tasks.counts_refresh.enqueue()
    declarations = list(selectors.declaration_list_visible_to(user=request.user)[:200])
    audit_record(
        actor=request.user,
        action="checkins.declarations_follow_up_list",
        reason="commune officer follow-up list",
        row_count=len(declarations),
    )
    return render(
        request,
        "checkins/officer.html",
        {
            "declarations": declarations,
            "venues": selectors.venues_scanned_today(user=request.user),
            "counts_at": selectors.counts_updated_at(),
        },
    )


@requires(FOLLOW_UP)
@require_POST
def declaration_done(request, declaration_id: int):
    try:
        d = selectors.declaration_get_visible(user=request.user, declaration_id=declaration_id)
    except ServiceError as exc:
        raise PermissionDenied("outside jurisdiction") from exc
    services.declaration_follow_up(declaration=d, actor=request.user, note=request.POST.get("note", ""))
    return redirect("checkins:officer")
