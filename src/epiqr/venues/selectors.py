"""Reads of venues: scoped lists for staff, and the public ways in (poster token, typed code)."""

import time
from dataclasses import dataclass
from datetime import date

from django.conf import settings
from django.db import connection
from django.db.models import Q, QuerySet
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from epiqr.accounts.models import OrgKind, User
from epiqr.accounts.selectors import commune_filter, jurisdiction_filter
from epiqr.core import signing
from epiqr.core.errors import Forbidden, Invalid, NotFound
from epiqr.core.lists import Filter, FilterKind, ListSpec, Sort
from epiqr.core.permissions import Role, has_capability
from epiqr.core.text import fold
from epiqr.geo.models import Commune
from epiqr.geo.selectors import commune_search, communes_by_former_name

from .codes import ALPHABET, CODE_LENGTH, code_is_well_formed, code_normalise
from .models import SafetyAssessment, Sector, Venue
from .permissions import MANAGE_OWN, REGISTER
from .tokens import rotating_token_make, token_make, token_read


def venue_list_visible_to(*, user: User) -> QuerySet[Venue]:
    """Administrators see every venue; officers the venues of their jurisdiction; a venue owner the venues
    they own; venue staff the venue their account belongs to; anyone else none."""
    qs = Venue.objects.select_related("commune", "commune__province")
    if not getattr(user, "is_authenticated", False) or not user.is_active:
        return qs.none()
    if user.is_superuser or user.role == Role.ADMIN:
        return qs
    if user.role in Role.OFFICERS:
        return jurisdiction_filter(qs, user=user, commune_path="commune")
    scope = Q(owner_id=user.pk)
    if user.org_kind == OrgKind.VENUE and user.org_id:
        scope |= Q(pk=user.org_id)
    return qs.filter(scope)


def venue_get_visible(*, user: User, venue_id: int) -> Venue:
    """One venue the user may see; NotFound otherwise (a venue outside one's scope is not revealed)."""
    try:
        return venue_list_visible_to(user=user).get(pk=venue_id)
    except Venue.DoesNotExist:
        raise NotFound(_("Venue not found, or not in your scope."), code="venue_not_found") from None


def venue_token(*, venue: Venue) -> str:
    """The signed static token printed on the venue's current posters."""
    return token_make(venue_id=venue.pk, generation=venue.token_generation)


def venue_url(*, venue: Venue) -> str:
    """What the poster's QR encodes: PUBLIC_BASE_URL/v/<token>."""
    return f"{settings.PUBLIC_BASE_URL}/v/{venue_token(venue=venue)}"


def code_entry_address() -> str:
    """The address printed on posters for typing a venue code, without the scheme ("qr.example.vn/v")."""
    from django.urls import reverse

    return settings.PUBLIC_BASE_URL.split("://", 1)[-1] + reverse("public:venue_code")


def venue_rotating_url(*, venue: Venue, at: float | None = None) -> str:
    """A short-lived URL for a screen at the door (changes every few minutes)."""
    token = rotating_token_make(venue_id=venue.pk, generation=venue.token_generation, at=at)
    return f"{settings.PUBLIC_BASE_URL}/v/{token}"


def venue_from_token(*, token: str, at: float | None = None) -> Venue:
    """The venue a scanned token names.

    The signature is checked first, without a database read. Refusals are `Invalid` with codes:
    `token_invalid` (forged, altered, truncated), `token_expired` (a rotating code past its window),
    `token_revoked` (a poster from before the last reprint), `venue_inactive` (venue closed), and
    `token_unknown` (signed but the venue no longer exists).
    """
    try:
        claim = token_read(token, at=at)
    except signing.BadSignature as exc:
        if str(exc) == "rotating code expired":
            raise Invalid(
                _("This QR code has expired. Scan the code on the screen again."), code="token_expired"
            ) from exc
        raise Invalid(
            _("This QR code was not issued by EpiQR or has been altered. Do not use it."),
            code="token_invalid",
        ) from exc
    try:  # get(), not first(): no ORDER BY to compile on the path every scan takes
        venue = Venue.objects.select_related("commune", "commune__province").get(pk=claim.venue_id)
    except Venue.DoesNotExist:
        raise Invalid(_("This venue no longer exists."), code="token_unknown") from None
    if claim.generation != venue.token_generation:
        raise Invalid(
            _("This poster has been replaced by a new one. Scan the newest poster at the venue."),
            code="token_revoked",
        )
    if not venue.is_active:
        raise Invalid(_("This venue is no longer active."), code="venue_inactive")
    return venue


def venue_by_code(*, code: str) -> Venue:
    """The active venue with this code as typed by a person (case and separators ignored).

    A code of our shape whose check character does not match is refused as a typo (`code_mistyped`)
    before any lookup; otherwise `NotFound` (`code_unknown`) or `Invalid` (`venue_inactive`).
    """
    normal = code_normalise(code)
    if not normal:
        raise Invalid(_("Enter the venue code printed on the poster."), code="code_missing", field="code")
    if len(normal) == CODE_LENGTH and set(normal) <= set(ALPHABET) and not code_is_well_formed(normal):
        raise Invalid(
            _("This venue code has a typing mistake. Check each character against the poster."),
            code="code_mistyped",
            field="code",
        )
    try:
        venue = Venue.objects.select_related("commune", "commune__province").get(code=normal)
    except Venue.DoesNotExist:
        raise NotFound(_("No venue has this code."), code="code_unknown", field="code") from None
    if not venue.is_active:
        raise Invalid(_("This venue is no longer active."), code="venue_inactive")
    return venue


def venue_may_manage(*, user: User, venue: Venue) -> bool:
    """Edit and revoke: an administrator; an officer for a venue in their jurisdiction; the owner."""

    if not getattr(user, "is_authenticated", False):
        return False
    if user.is_superuser or user.role == Role.ADMIN:
        return True
    if has_capability(user, REGISTER) and user.role in Role.OFFICERS:
        return venue_list_visible_to(user=user).filter(pk=venue.pk).exists()
    return has_capability(user, MANAGE_OWN) and venue.owner_id == user.pk


def venue_get_manageable(*, user: User, venue_id: int) -> Venue:
    """A venue the user may edit or revoke; NotFound outside their scope, Forbidden if only visible."""
    venue = venue_get_visible(user=user, venue_id=venue_id)
    if not venue_may_manage(user=user, venue=venue):
        raise Forbidden(_("Only the venue's owner or a health officer can change this venue."))
    return venue


def venue_list_filtered(
    *, user: User, commune_id: int | None = None, sector: str = "", query: str = "", active_only: bool = False
) -> QuerySet[Venue]:
    """The user's visible venues narrowed by commune, sector and a name/code search (diacritics optional)."""
    qs = venue_list_visible_to(user=user)
    if commune_id:
        qs = qs.filter(commune_id=commune_id)
    if sector:
        qs = qs.filter(sector=sector)
    if active_only:
        qs = qs.filter(is_active=True)
    folded = fold(query)[:100]
    if folded:
        code = code_normalise(query)
        qs = qs.filter(Q(name_folded__contains=folded) | Q(code=code))
    return qs


def _venue_search(qs: QuerySet[Venue], text: str) -> QuerySet[Venue]:
    folded = fold(text)[:100]
    return qs.filter(Q(name_folded__contains=folded) | Q(code=code_normalise(text))) if folded else qs


# The venues list (/venues/ and GET /api/v1/venues); the sorts are served by indexes (Venue.Meta).
VENUES = ListSpec(
    name="venues",
    filters=(
        Filter("q", gettext_lazy("Name or code"), kind=FilterKind.TEXT, apply=_venue_search, prominent=True,
               placeholder=gettext_lazy("e.g. pho gia truyen, 2VES-8CN")),
        commune_filter(),
        Filter("sector", gettext_lazy("Sector"), choices=Sector.choices),
        Filter("active", gettext_lazy("Posters"), choices=(("1", gettext_lazy("working")),
               ("0", gettext_lazy("closed venue"))), apply=lambda qs, v: qs.filter(is_active=v == "1")),
    ),
    sorts=(
        Sort("name", gettext_lazy("Name"), ("name_folded", "id")),
        Sort("code", gettext_lazy("Code"), ("code",)),
        Sort("registered", gettext_lazy("Time of registration"), ("created_at", "id")),
    ),
    default_sort="name",
    model=Venue,
)  # fmt: skip


def commune_from_text(*, text: str):
    """The commune someone typed: its code, its name (diacritics optional, "Phường" optional), or
    "name, province" as the suggestions show it. LookupError with a message when none or several match."""
    text = (text or "").strip()[:200]
    if text.isdigit():
        commune = Commune.objects.select_related("province").filter(pk=int(text)).first()
        if commune is None:
            raise LookupError(_("Unknown commune code %(code)s.") % {"code": text})
        return commune
    name, _sep, province = (fold(part) for part in text.partition(","))

    def bare(value: str) -> str:
        for prefix in ("phuong ", "xa ", "dac khu ", "thanh pho ", "tinh "):
            if value.startswith(prefix):
                return value[len(prefix) :]
        return value

    candidates = [
        c
        for c in commune_search(query=name, limit=200)
        if bare(c.name_folded) == bare(name)
        and (not province or bare(c.province.name_folded) == bare(province))
    ]
    if not candidates:
        return _commune_by_former_name(
            text=text,
            name=name,
            keep=lambda c: not province or bare(c.province.name_folded) == bare(province),
        )
    if len(candidates) > 1:
        raise LookupError(
            _('Several communes are named "%(name)s"; add the province after a comma.') % {"name": text}
        )
    return candidates[0]


def _commune_by_former_name(*, text: str, name: str, keep):
    """The commune that took the area of a former one ("Hàng Trống" before July 2025); LookupError when
    there is none, or when it was split and the person must choose."""
    matches = [m for m in communes_by_former_name(text=name) if keep(m.commune)]
    if len(matches) == 1:
        return matches[0].commune
    if not matches:
        raise LookupError(
            _('No commune or ward named "%(name)s". Pick one from the suggestions.') % {"name": text}
        )
    raise LookupError(
        _('"%(name)s" is a former commune, now part of: %(communes)s. Pick the one you are in.')
        % {
            "name": text,
            "communes": "; ".join(f"{m.commune.name}, {m.commune.province.name}" for m in matches),
        }
    )


# --- hot path: the scan station's venue check ------------------------------------------------------


@dataclass(frozen=True)
class VenueFacts:
    """What a scan needs to know about a venue to check the station's scope, without a model instance."""

    id: int
    code: str
    commune_id: int
    province_id: int
    owner_id: int | None
    is_active: bool


# A station scans many people at one venue; the venue's facts are read once per VENUE_FACTS_SECONDS per
# process. A venue closed, moved or handed to another owner is seen by every worker within that bound.
VENUE_FACTS_SECONDS = 30.0
_VENUE_FACTS_MAX = 10_000
_venue_facts: dict[str, tuple[float, VenueFacts | None]] = {}
_clock = time.monotonic


def venue_facts_by_code(*, code: str) -> VenueFacts | None:
    """The venue with this normalised code (active or not), or None; cached for VENUE_FACTS_SECONDS."""
    hit = _venue_facts.get(code)
    if hit is not None and hit[0] > _clock():
        return hit[1]

    with connection.cursor() as cur:
        cur.execute(
            f"SELECT v.id, v.code, v.commune_id, c.province_id, v.owner_id, v.is_active "
            f"FROM {Venue._meta.db_table} v JOIN {Commune._meta.db_table} c ON c.{Commune._meta.pk.column} = v.commune_id "
            "WHERE v.code = %s",
            [code],
        )
        row = cur.fetchone()
    facts = VenueFacts(row[0], row[1], row[2], row[3], row[4], bool(row[5])) if row else None
    if len(_venue_facts) >= _VENUE_FACTS_MAX:
        _venue_facts.clear()
    _venue_facts[code] = (_clock() + VENUE_FACTS_SECONDS, facts)
    return facts


def venue_facts_visible_to(*, user: User, facts: VenueFacts) -> bool:
    """The rule of venue_list_visible_to for one venue, decided in Python (no query)."""
    if not getattr(user, "is_authenticated", False) or not user.is_active:
        return False
    if user.is_superuser or user.role == Role.ADMIN:
        return True
    if user.role in Role.OFFICERS:
        if user.commune_id:
            return facts.commune_id == user.commune_id
        if user.province_id:
            return facts.province_id == user.province_id
        return False
    if facts.owner_id is not None and facts.owner_id == user.pk:
        return True
    return user.org_kind == OrgKind.VENUE and bool(user.org_id) and user.org_id == facts.id


def venue_sectors(*, venue_ids: list[int]) -> dict[int, str]:
    """Each venue's sector (tracing's default dwell depends on it)."""
    return dict(Venue.objects.filter(pk__in=venue_ids).values_list("pk", "sector")) if venue_ids else {}


@dataclass(frozen=True)
class VenuePlace:
    """What a read model needs of a venue: where it is, its sector, its name and capacity."""

    id: int
    commune_id: int
    sector: str
    name: str
    capacity: int | None
    is_active: bool


def venue_places(*, venue_ids: list[int] | None = None) -> dict[int, VenuePlace]:
    """The places of these venues (every venue for None), by id."""
    qs = Venue.objects.all() if venue_ids is None else Venue.objects.filter(pk__in=venue_ids)
    return {
        row[0]: VenuePlace(*row)
        for row in qs.order_by().values_list("pk", "commune_id", "sector", "name", "capacity", "is_active")
    }


@dataclass(frozen=True)
class PublicVenue:
    """What anyone may know of a venue with its poster up: its code, name and sector (it is on the poster)."""

    id: int
    code: str
    name: str
    sector: str


def venue_places_in(*, commune_id: int) -> list[PublicVenue]:
    """The active venues of a commune (the public safe-venue map)."""
    return [
        PublicVenue(*row)
        for row in Venue.objects.filter(commune_id=commune_id, is_active=True)
        .order_by("name_folded", "id")
        .values_list("pk", "code", "name", "sector")
    ]


@dataclass(frozen=True)
class SafetyNow:
    """A venue's self-assessed COVID-safety status in force (safety.SAFE, AT_RISK or HIGH_RISK)."""

    status: str
    valid_until: date
    checklist: str


def _in_force(assessments: QuerySet[SafetyAssessment], on: date) -> dict[int, SafetyNow]:
    """THE rule of a status in force on `on`, per venue: its latest self-assessment still valid that day (an
    expired one gives no status). Every reader of statuses goes through it (the map, the open data)."""
    out: dict[int, SafetyNow] = {}
    rows = (
        assessments.filter(valid_until__gte=on)
        .order_by("venue_id", "assessed_at", "id")
        .values_list("venue_id", "status", "valid_until", "checklist")
    )
    for venue_id, status, until, checklist in rows:
        out[venue_id] = SafetyNow(status, until, checklist)  # the latest wins
    return out


def safety_statuses(*, venue_ids: list[int], on: date) -> dict[int, SafetyNow]:
    """The status in force on `on` of each of these venues that has one: its latest self-assessment still
    valid that day (an expired one gives no status)."""
    return _in_force(SafetyAssessment.objects.filter(venue_id__in=venue_ids), on)


@dataclass(frozen=True)
class PublishedSafety:
    """An active venue with a self-assessment in force: what the public may know of it (its poster shows the
    code, name and sector) and its status."""

    venue_id: int
    code: str
    name: str
    sector: str
    commune_id: int
    status: str
    valid_until: date


def safety_published_in(*, province_id: int, on: date) -> list[PublishedSafety]:
    """The active venues of a province whose owner's self-assessment is in force on `on` (the rule of
    `safety_statuses`), by commune, name and id. Venues never assessed, or whose assessment expired, are
    not listed."""
    assessments = SafetyAssessment.objects.filter(
        venue__commune__province_id=province_id, venue__is_active=True
    )
    statuses = _in_force(assessments, on)
    venues = (
        Venue.objects.filter(commune__province_id=province_id, is_active=True)
        .filter(pk__in=SafetyAssessment.objects.filter(valid_until__gte=on).values("venue_id"))
        .order_by("commune_id", "name_folded", "id")
        .values_list("pk", "code", "name", "sector", "commune_id")
    )
    return [
        PublishedSafety(pk, code, name, sector, commune_id, statuses[pk].status, statuses[pk].valid_until)
        for pk, code, name, sector, commune_id in venues
        if pk in statuses
    ]


def venue_get_assessable(*, user: User, venue_id: int) -> Venue:
    """The venue whose COVID-safety self-assessment this user may read and fill (the owner's page and
    `/api/v1/venues/{id}/safety`): NotFound outside the user's scope, Forbidden for a venue the user sees
    but does not own. The caller has checked the capability `venues.self_assess` first."""
    venue = venue_get_visible(user=user, venue_id=venue_id)
    if venue.owner_id is None or venue.owner_id != user.pk:
        raise Forbidden(_("Only the venue's owner can fill its safety self-assessment."))
    return venue


def safety_latest(*, venue: Venue) -> SafetyAssessment | None:
    """The venue's latest self-assessment, valid or not (its owner's page shows it)."""
    return venue.safety_assessments.order_by("-assessed_at", "-id").first()
