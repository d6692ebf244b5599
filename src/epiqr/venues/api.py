"""Venues API at /api/v1/venues/: scoped reads, registration, posters and poster revocation."""

from datetime import datetime
from typing import Literal

from django.http import HttpResponse
from django.utils import translation
from django.utils.translation import gettext as _
from ninja import Field, Query, Router, Schema, Status

from epiqr.core.api_schema import Code, Id, errors
from epiqr.core.audit import no_personal_data
from epiqr.core.errors import Forbidden
from epiqr.core.lists import api_page, api_params, api_query
from epiqr.core.permissions import check_capability, has_capability

from . import permissions, posters, selectors, services
from .codes import code_display
from .models import Venue

router = Router(tags=["venues"])


class VenueIn(Schema):
    name: str = Field(..., max_length=200)
    sector: str = Field(..., max_length=16)
    address: str = Field(..., max_length=255)
    commune_code: Code
    phone: str = Field("", max_length=32)
    capacity: int | None = Field(None, ge=1, le=1_000_000)
    starts_at: datetime | None = None
    ends_at: datetime | None = None


class VenueOut(Schema):
    id: int
    code: str
    code_display: str
    name: str
    sector: str
    sector_label: str
    agency: str
    address: str
    commune_code: int
    commune_name: str
    province_name: str
    phone: str
    capacity: int | None
    starts_at: datetime | None
    ends_at: datetime | None
    is_active: bool
    token_generation: int
    url: str

    @staticmethod
    def resolve_code_display(obj: Venue) -> str:
        return code_display(obj.code)

    @staticmethod
    def resolve_sector_label(obj: Venue) -> str:
        return str(obj.get_sector_display())

    @staticmethod
    def resolve_commune_code(obj: Venue) -> int:
        return obj.commune_id

    @staticmethod
    def resolve_commune_name(obj: Venue) -> str:
        return obj.commune.name

    @staticmethod
    def resolve_province_name(obj: Venue) -> str:
        return obj.commune.province.name

    @staticmethod
    def resolve_url(obj: Venue) -> str:
        return selectors.venue_url(venue=obj)


@router.post("", response={201: VenueOut, **errors(403)})
@no_personal_data("venues: places, their codes and posters; no citizen's data")
def venue_create(request, payload: VenueIn):
    """Register a venue. Officers place it in their jurisdiction; a venue owner becomes its owner."""
    user = request.user
    if has_capability(user, permissions.REGISTER):
        owner = None
    elif has_capability(user, permissions.MANAGE_OWN):
        owner = user
    else:
        raise Forbidden(_("Your account cannot register venues."))
    data = payload.dict()
    data["commune_id"] = data.pop("commune_code")
    venue = services.venue_register(**data, owner=owner, actor=user)
    venue = selectors.venue_get_visible(user=user, venue_id=venue.pk)
    return Status(201, venue)


VenuePage = api_page(VenueOut, name="VenuePage")
VenueListQuery = api_query(selectors.VENUES)


@router.get("", response={200: VenuePage, **errors(403, 422)})
@no_personal_data("venues: places, their codes and posters; no citizen's data")
def venue_list(request, params: Query[VenueListQuery]):
    """Venues in the caller's scope, by name or code (`q`), commune, sector and whether they are open;
    paged and sorted."""
    check_capability(request.user, permissions.VIEW)
    page = selectors.VENUES.get(
        selectors.venue_list_visible_to(user=request.user), api_params(params), user=request.user, strict=True
    )
    return page.as_api(page.items, path=request.path)


@router.get("/{int:venue_id}", response={200: VenueOut, **errors(403, 404)})
@no_personal_data("venues: places, their codes and posters; no citizen's data")
def venue_get(request, venue_id: Id):
    check_capability(request.user, permissions.VIEW)
    return selectors.venue_get_visible(user=request.user, venue_id=venue_id)


@router.get(
    "/{int:venue_id}/poster.pdf",
    response={200: None, **errors(403, 404)},
    openapi_extra={"responses": {200: {"description": "PDF poster", "content": {"application/pdf": {}}}}},
)
@no_personal_data("venues: places, their codes and posters; no citizen's data")
def venue_poster_pdf(request, venue_id: Id, size: Literal["A4", "A5"] = "A4"):
    """The printable poster; `size` A4 (QR 16 cm) or A5."""
    check_capability(request.user, permissions.PRINT)
    venue = selectors.venue_get_visible(user=request.user, venue_id=venue_id)
    with translation.override("vi"):
        body = posters.poster_pdf(venue=venue, url=selectors.venue_url(venue=venue), size=size)
    return _file(body, "application/pdf", f"poster-{venue.code}-{size}.pdf")


@router.get(
    "/{int:venue_id}/poster.png",
    response={200: None, **errors(403, 404)},
    openapi_extra={"responses": {200: {"description": "PNG poster", "content": {"image/png": {}}}}},
)
@no_personal_data("venues: places, their codes and posters; no citizen's data")
def venue_poster_png(request, venue_id: Id, size: Literal["A4", "A5"] = "A4"):
    check_capability(request.user, permissions.PRINT)
    venue = selectors.venue_get_visible(user=request.user, venue_id=venue_id)
    with translation.override("vi"):
        body = posters.poster_png(venue=venue, url=selectors.venue_url(venue=venue), size=size)
    return _file(body, "image/png", f"poster-{venue.code}.png")


@router.post("/{int:venue_id}/revoke-token", response={200: VenueOut, **errors(403, 404)})
@no_personal_data("venues: places, their codes and posters; no citizen's data")
def venue_revoke_token(request, venue_id: Id):
    """Invalidate every poster printed so far; the response carries the new poster URL."""
    venue = selectors.venue_get_manageable(user=request.user, venue_id=venue_id)
    venue = services.venue_token_revoke(venue=venue, actor=request.user)
    return venue


def _file(body: bytes, content_type: str, filename: str) -> HttpResponse:
    response = HttpResponse(body, content_type=content_type)
    response["Content-Disposition"] = f'inline; filename="{filename}"'
    response["Cache-Control"] = "private, no-store"
    return response
