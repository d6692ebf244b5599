"""Check-in pages: the public self check-in (/v/<token>), declarations, scan station, venue and officer views."""

import re
from datetime import timedelta

from django.contrib.auth.decorators import login_not_required
from django.core.exceptions import PermissionDenied
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from epiqr.accounts.selectors import user_in_jurisdiction
from epiqr.core import audit, ratelimit
from epiqr.core.audit import CITIZEN, WRITE_THEN_REDIRECT, no_personal_data, reads_personal_data
from epiqr.core.device import device_forget
from epiqr.core.errors import Forbidden, ServiceError
from epiqr.core.input_guard import int_or_none
from epiqr.core.permissions import has_capability, requires
from epiqr.core.qr import draw_svg, svg_inline
from epiqr.core.timeutil import local_today
from epiqr.core.views import photo_codes, upload_job_redirect
from epiqr.geo.models import Commune, Province
from epiqr.people.citizen import citizen_page
from epiqr.people.selectors import people_by_id
from epiqr.people.services import device_link_forget
from epiqr.venues.posters import QR_ERROR
from epiqr.venues.selectors import venue_from_token, venue_rotating_url, venue_token
from epiqr.venues.services import venue_code_lookup

from . import selectors, services, tasks
from .forms import CheckinImportForm, DeclarationForm, VisitorForm
from .models import DeclarationKind
from .permissions import FOLLOW_UP, IMPORT, SCAN, VIEW_VENUE_STATS, VIEW_VISITORS

LIST_QUERY = re.compile(r"\?[A-Za-z0-9_.~%&=+-]{0,1000}")  # a list's query string as Page.url() writes it


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
@no_personal_data("the public venue-code lookup: a venue, nobody's data")
def venue_code(request, typed: str | None = None):
    """The address printed under the poster's QR: a citizen who cannot scan types the venue code and
    lands on the same check-in page the QR code opens."""
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
@citizen_page
@no_personal_data(CITIZEN)
def venue_checkin(request, token: str):
    """GET: the venue page (one tap for the people this phone checks in, a short form the first time).
    POST: check in. The phone shows people under the names it typed until its holder proves who they are."""
    if "." not in token and len(token) <= _TYPED_CODE_MAX:
        return venue_code(request, typed=token)
    venue, invalid = _venue_or_invalid_page(request, token)
    if invalid:
        return invalid
    citizen = request.citizen
    known = citizen.people
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
            person = services.visitor_register(
                full_name=form.cleaned_data["full_name"],
                phone=form.cleaned_data["phone"],
                birth_year=form.cleaned_data["birth_year"],
                commune=Commune.objects.filter(pk=form.cleaned_data["commune"]).first(),
                id_number=form.cleaned_data["id_number"],
                device=citizen.device_obtain(),
            )
            citizen.refresh()
            chosen = [p for p in citizen.people if p.person_id == person.pk]
            people = [person]
        else:
            ids = {int(v) for v in request.POST.getlist("person") if v.isdigit()}
            chosen = [p for p in known if p.link_id in ids]
            people = people_by_id(person_ids=[p.person_id for p in chosen])
        outcomes = services.checkin_self(
            venue_id=venue.pk, people=people, has_symptoms=has_symptoms, device=citizen.device
        )
    except ServiceError as exc:
        context["error"] = exc.message
        return render(request, "checkins/self_checkin.html", context, status=400)
    labels = {p.person_id: p for p in chosen}
    return render(
        request,
        "checkins/confirmed.html",
        {
            "venue": venue,
            "rows": [
                (labels.get(o.person.pk), _public_outcome(o, labels.get(o.person.pk))) for o in outcomes
            ],
            "has_symptoms": has_symptoms,
            "any_refused": any(not o.green for o in outcomes),
            "at": next((o.checkin.checked_in_at for o in outcomes if o.checkin), None),
            "checkin_ids": [o.checkin.pk for o in outcomes if o.checkin and o.status == "ok"],
        },
    )


def _public_outcome(outcome, who) -> dict:
    """What the phone is told about one check-in: its own result, nothing about the person's record. A
    visit already recorded by someone else (a staff scan, another phone) reads as checked in, unless the
    holder proved who this is."""
    proven = who is not None and who.proven
    status = outcome.status
    if status == "duplicate" and not proven:
        status = "ok"
    reason = outcome.reason if proven else _("Not admitted: please talk to the staff at the entrance.")
    return {"status": status, "reason": reason if status == "refused" else ""}


@login_not_required
@citizen_page
@require_POST
@no_personal_data(CITIZEN)
def checkout(request):
    citizen = request.citizen
    ids = [int(i) for i in request.POST.getlist("checkin") if i.isdigit() and len(i) < 19]
    count = services.checkin_checkout(
        checkin_ids=ids, device=citizen.device, person_ids=[p.pk for p in citizen.proven]
    )
    return render(request, "checkins/checked_out.html", {"count": count}, status=200 if count else 400)


@login_not_required
@citizen_page
@no_personal_data(CITIZEN)
def my_checkins(request):
    """The visits this phone recorded, and every visit of the people its holder proved; each row says whose."""
    citizen = request.citizen
    visits = selectors.device_visits(device=citizen.device, proven_ids=[p.pk for p in citizen.proven])
    rows = [(v, citizen.label_of(v.person_id)) for v in visits]
    return render(
        request,
        "checkins/my_checkins.html",
        {
            "known": citizen.people,
            "unproven": citizen.unproven,
            "rows": rows,
            "days": services.retention_days(),
        },
    )


@login_not_required
@citizen_page
@require_POST
@no_personal_data(CITIZEN)
def forget_device(request):
    """The phone forgets everyone (or one person): what it typed and what it proved. Check-ins stay."""
    citizen = request.citizen
    link = request.POST.get("link", "")
    if link.isdigit() and len(link) < 19 and citizen.device is not None:
        person_id = device_link_forget(device=citizen.device, link_id=int(link))
        if person_id is not None:
            services.device_checkins_forget(device=citizen.device, person_id=person_id)
        return redirect("public:my_checkins")
    citizen.forget()
    response = redirect("public:my_checkins")
    device_forget(response)
    return response


@login_not_required
@citizen_page
@no_personal_data(CITIZEN)
def declare(request):
    """The public health declaration (domestic or entry), prefilled only from what this phone knows: the
    record of a person its holder proved, or what the phone itself typed for the others."""
    kind = request.GET.get("kind") or request.POST.get("kind") or DeclarationKind.DOMESTIC
    province_code = int_or_none(request.GET.get("province") or request.POST.get("province")) or 1
    known = request.citizen.people
    who = _declaring_for(known, request.GET.get("for"))
    form = DeclarationForm(
        request.POST if request.method == "POST" else None,
        province_code=province_code,
        initial={"kind": kind, **_prefill(who, province_code)},
    )
    context = {
        "form": form,
        "kind": kind,
        "entry": kind == DeclarationKind.ENTRY,
        "provinces": Province.objects.order_by("name"),
        "province_code": province_code,
        "known": known,
        "who": who,
    }
    if request.method == "POST":
        if form.is_valid():
            declaration = services.declaration_submit(data=form.cleaned_data)
            return _declared(request, declaration)
        return render(request, "checkins/declare.html", context, status=400)
    return render(request, "checkins/declare.html", context)


def _declaring_for(known, chosen):
    if not known:
        return None
    return next((p for p in known if str(p.link_id) == (chosen or "")), known[0])


def _prefill(who, province_code: int) -> dict:
    """Initial declaration fields for one of the phone's people (nothing for a phone that knows nobody)."""
    if who is None:
        return {}
    if who.person is not None:  # proven: their record
        p = who.person
        commune = p.commune if p.commune_id and p.commune.province_id == province_code else None
        return {
            "full_name": p.full_name,
            "birth_year": p.birth_year,
            "sex": p.sex,
            "phone": p.phone,
            "email": p.email,
            "address": p.address,
            **({"commune": commune.pk} if commune else {}),
        }
    return {"full_name": who.label, "birth_year": who.typed_birth_year, "phone": who.typed_phone}


def _declared(request, declaration):
    """The page after sending: the declaration's QR (for a checkpoint or a clinic) and what happens next."""
    from django.conf import settings
    from django.urls import reverse

    url = settings.PUBLIC_BASE_URL + reverse(
        "public:declaration_check", args=[selectors.declaration_code(declaration=declaration)]
    )
    return render(
        request,
        "checkins/declared.html",
        {
            "declaration": declaration,
            "qr": draw_svg(url, scale=5),
            "url": url,
            "kept_until": local_today() + timedelta(days=services.retention_days()),
            "hotline": settings.EPIQR_HOTLINE,
        },
    )


@login_not_required
@reads_personal_data("checkins.declaration_view")
def declaration_check(request, code: str):
    """Public on purpose: what a declaration's QR opens. Anyone sees that it exists and when it was sent;
    a health officer of its commune or province also sees who declared what (the read is audited)."""
    declaration = selectors.declaration_from_code(code=code)
    full = has_capability(request.user, FOLLOW_UP) and user_in_jurisdiction(
        user=request.user, commune_id=declaration.commune_id, province_id=declaration.commune.province_id
    )
    if full:
        audit.annotate(target=declaration, reason="declaration QR scanned by a health officer", row_count=1)
    else:
        audit.skip()  # existence and time only: nobody's data
    return render(
        request,
        "checkins/declaration_check.html",
        {
            "declaration": declaration,
            "full": full,
            "kept_until": declaration.created_at.date() + timedelta(days=services.retention_days()),
        },
    )


# --- staff: scan station ---------------------------------------------------------------------------


@requires(SCAN)
@no_personal_data("the venues the caller scans for")
def station_pick(request):
    venues = list(selectors.venues_for_station(user=request.user)[:200])
    if len(venues) == 1:
        return redirect("checkins:station", venue_id=venues[0].pk)
    return render(request, "checkins/station_pick.html", {"venues": venues})


def _station_venue(request, venue_id: int):
    try:
        return selectors.station_venue_get(user=request.user, venue_id=venue_id)
    except Forbidden as exc:
        raise PermissionDenied(exc.message) from exc


@requires(SCAN)
@no_personal_data(
    "a scan station shows only what the scanned card carries (ScanOutcome.shown_name), never the registry; the check-in hot path"
)
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
    # A typed ID number or phone that was refused stays in its box to be corrected.
    typed = request.POST.get("identifier", "")[:32] if error is not None else ""
    context = {"venue": venue, "outcome": outcome, "error": error, "identifier": typed}
    return render(request, template, context, status=status)


@requires(SCAN)
@require_POST
@no_personal_data("codes read from an uploaded photo; nothing from the database")
def station_photo(request, venue_id: int):
    """Decode a photo taken by a phone without BarcodeDetector; the codes go back to the station script."""
    _station_venue(request, venue_id)
    return photo_codes(request)


# --- venue owner --------------------------------------------------------------------------------


@requires(VIEW_VENUE_STATS)
@no_personal_data("counts and times of the caller's venues")
def venue_list(request):
    venues = list(selectors.venues_for_station(user=request.user)[:200])
    if len(venues) == 1:
        return redirect("checkins:venue_dashboard", venue_id=venues[0].pk)
    return render(request, "checkins/venue_list.html", {"venues": venues})


@requires(VIEW_VENUE_STATS)
@no_personal_data("counts and times of the caller's venue")
def venue_dashboard(request, venue_id: int):
    venue = _station_venue(request, venue_id)
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
@no_personal_data("a venue's own visits: times, check-outs and symptom answers, never who visited")
def visitors(request, venue_id: int):
    """The venue's own visits within the retention period: times, check-outs and symptom answers only.
    Who visited is for health officers (tracing), never for the venue."""
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
    days = [local_today() - timedelta(days=i) for i in range(services.retention_days())]
    return render(request, "checkins/visitors.html", {"venue": venue, "rows": rows, "day": day, "days": days})


@requires(SCAN)
@no_personal_data("the venue's QR code for a screen")
def venue_screen(request, venue_id: int):
    """A code for a screen at the door that changes every few minutes (a photo of it soon stops working)."""
    venue = _station_venue(request, venue_id)
    url = venue_rotating_url(venue=venue)
    svg = svg_inline(url, error=QR_ERROR, label=_("QR code to check in at %(venue)s") % {"venue": venue.name})
    return render(request, "checkins/screen.html", {"venue": venue, "svg": svg, "url": url})


# --- commune officer --------------------------------------------------------------------------------


@requires(FOLLOW_UP)
@reads_personal_data("checkins.declarations_follow_up_list")
def officer(request):
    if selectors.counts_need_refresh():
        tasks.counts_refresh.enqueue()
    page = selectors.DECLARATIONS.get(
        selectors.declaration_list_visible_to(user=request.user, open_only=False, flagged_only=False),
        request.GET,
        user=request.user,
    )
    audit.annotate(
        reason="commune officer follow-up list",
        row_count=len(page.items),
        detail={"page": page.number, **page.query.params()},
    )
    return render(
        request,
        "checkins/officer.html",
        {
            "page": page,
            "venues": selectors.venues_scanned_today(user=request.user),
            "counts_at": selectors.counts_updated_at(),
            "can_import": has_capability(request.user, IMPORT),
        },
        status=400 if page.query.errors else 200,
    )


@requires(FOLLOW_UP)
@require_POST
@no_personal_data(WRITE_THEN_REDIRECT)
def declaration_done(request, declaration_id: int):
    try:
        d = selectors.declaration_get_visible(user=request.user, declaration_id=declaration_id)
    except ServiceError as exc:
        raise PermissionDenied("outside jurisdiction") from exc
    services.declaration_follow_up(declaration=d, actor=request.user, note=request.POST.get("note", ""))
    back = request.POST.get("list", "")  # the list's own query string: filters and page stay as they were
    url = reverse("checkins:officer")
    return redirect(url + back if LIST_QUERY.fullmatch(back) else url)


@requires(IMPORT)
@no_personal_data("an upload form; the import is audited by its job (checkins.import)")
def checkin_import(request):
    """An officer uploads check-ins from another system (CSV); they are stored as a job whose page shows
    the rows read, the rows refused (with why) and the time left."""

    form = CheckinImportForm(request.POST or None, request.FILES or None)
    if request.method == "POST" and form.is_valid():
        upload = form.cleaned_data["file"]
        return upload_job_redirect(
            request,
            upload,
            kind="checkins.import",
            title=_("Check-ins: %(name)s"),
            back_url=reverse("checkins:officer"),
        )
    return render(
        request,
        "checkins/import.html",
        {"form": form, "columns": services.IMPORT_COLUMNS},
        status=422 if form.errors else 200,
    )
