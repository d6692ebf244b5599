"""Reads of venues: scoped lists for staff, and the public ways in (poster token, typed code)."""

from django.conf import settings
from django.db.models import Q, QuerySet
from django.utils.translation import gettext as _

from epiqr.accounts.models import OrgKind
from epiqr.accounts.selectors import jurisdiction_filter
from epiqr.core import signing
from epiqr.core.errors import Invalid, NotFound
from epiqr.core.permissions import Role

from .codes import ALPHABET, CODE_LENGTH, code_is_well_formed, code_normalise
from .models import Venue
from .tokens import rotating_token_make, token_make, token_read


def venue_list_visible_to(*, user) -> QuerySet[Venue]:
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


def venue_get_visible(*, user, venue_id: int) -> Venue:
    """One venue the user may see; NotFound otherwise (a venue outside one's scope is not revealed)."""
    venue = venue_list_visible_to(user=user).filter(pk=venue_id).first()
    if venue is None:
        raise NotFound(_("Venue not found, or not in your scope."), code="venue_not_found")
    return venue


def venue_token(*, venue: Venue) -> str:
    """The signed static token printed on the venue's current posters."""
    return token_make(venue_id=venue.pk, generation=venue.token_generation)


def venue_url(*, venue: Venue) -> str:
    """What the poster's QR encodes: PUBLIC_BASE_URL/v/<token>."""
    return f"{settings.PUBLIC_BASE_URL}/v/{venue_token(venue=venue)}"


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
    venue = Venue.objects.select_related("commune", "commune__province").filter(pk=claim.venue_id).first()
    if venue is None:
        raise Invalid(_("This venue no longer exists."), code="token_unknown")
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
    venue = Venue.objects.select_related("commune", "commune__province").filter(code=normal).first()
    if venue is None:
        raise NotFound(_("No venue has this code."), code="code_unknown", field="code")
    if not venue.is_active:
        raise Invalid(_("This venue is no longer active."), code="venue_inactive")
    return venue
