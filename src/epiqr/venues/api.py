"""Venues API at /api/v1/venues/: scoped reads, registration, posters and poster revocation, and the owner's
COVID-safety self-assessment."""

from datetime import date, datetime
from typing import Literal

from django.http import HttpResponse
from django.utils import translation
from django.utils.translation import gettext as _
from ninja import Field, Query, Router, Schema, Status
from pydantic import ConfigDict, StrictBool

from epiqr.core.api_schema import Code, Id, errors
from epiqr.core.audit import no_personal_data
from epiqr.core.errors import Forbidden
from epiqr.core.lists import api_page, api_params, api_query
from epiqr.core.permissions import check_capability, has_capability
from epiqr.core.timeutil import local_today

from . import permissions, posters, safety, selectors, services
from .codes import code_display
from .forms import SAFETY_ITEMS
from .models import SafetyAssessment, Venue

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


# --- The owner's COVID-safety self-assessment (the same selector and service as /venues/<id>/safety/)

SAFETY = "a venue's COVID-safety self-assessment: the place's measures, nobody's data"


class VenueSafetyIn(Schema):
    """One answer per item of the checklist in force (`venues.safety`): `true` when the measure is in place.
    Every item is required and must be a JSON boolean (not "yes", 1 or null); a property that is no item is
    refused: 422 naming the field."""

    model_config = ConfigDict(extra="forbid")

    qr_posted: StrictBool = Field(description="essential: the QR code poster is up at every entrance")
    masks: StrictBool = Field(description="essential: staff and visitors wear masks")
    hand_washing: StrictBool = Field(description="essential: hand-washing or sanitiser at the entrance")
    distancing: StrictBool = Field(description="people keep their distance")
    ventilation: StrictBool = Field(description="the place is well ventilated")
    cleaning: StrictBool = Field(description="surfaces people touch are cleaned every day")
    staff_protected: StrictBool = Field(description="staff vaccinated or tested as required")


class VenueSafetyChecklistOut(Schema):
    id: str
    source: str = Field(
        description="what the checklist follows; `set_by` says whose items and grading they are"
    )
    set_by: str
    valid_days: int = Field(
        description="days a status is shown on the safe-venue map, the day of assessment included"
    )


class VenueSafetyItemOut(Schema):
    key: str
    label: str = Field(description="in the language of the request")
    help: str
    essential: bool = Field(description="not met: high risk, whatever else")
    answer: bool | None = Field(
        description="the latest assessment's answer (null: not answered on this checklist)"
    )


class VenueSafetyAssessmentOut(Schema):
    checklist: str
    status: Literal["safe", "at_risk", "high_risk"]
    status_label: str
    unmet: list[str] = Field(description="the items answered false")
    assessed_at: datetime
    valid_until: date = Field(description="last local day the status is shown on the safe-venue map")
    in_force: bool = Field(
        description="false once `valid_until` has passed: the map shows the venue as not assessed"
    )


class VenueSafetyOut(Schema):
    venue_id: int
    checklist: VenueSafetyChecklistOut = Field(description="the checklist in force today")
    items: list[VenueSafetyItemOut]
    assessment: VenueSafetyAssessmentOut | None = Field(description="the latest assessment; null: none yet")


def _safety_out(venue: Venue, latest: SafetyAssessment | None) -> dict:
    today = local_today()
    checklist = safety.checklist_for(today)
    answers = latest.answers if latest is not None and latest.checklist == checklist.id else {}
    items = []
    for item in checklist.items:
        label, help_text = SAFETY_ITEMS.get(item.key, (item.key, ""))
        answer = answers.get(item.key)
        items.append(
            {
                "key": item.key,
                "label": str(label),
                "help": str(help_text),
                "essential": item.essential,
                "answer": answer if isinstance(answer, bool) else None,
            }
        )
    assessment = None
    if latest is not None:
        assessment = {
            "checklist": latest.checklist,
            "status": latest.status,
            "status_label": str(latest.get_status_display()),
            "unmet": [key for key, met in latest.answers.items() if not met],
            "assessed_at": latest.assessed_at,
            "valid_until": latest.valid_until,
            "in_force": latest.valid_until >= today,
        }
    return {
        "venue_id": venue.pk,
        "checklist": {
            "id": checklist.id,
            "source": checklist.source,
            "set_by": checklist.set_by,
            "valid_days": checklist.valid_days,
        },
        "items": items,
        "assessment": assessment,
    }


@router.get("/{int:venue_id}/safety", response={200: VenueSafetyOut, **errors(403, 404)})
@no_personal_data(SAFETY)
def venue_safety_get(request, venue_id: Id):
    """The checklist in force with its items' labels, and the venue's latest self-assessment. The venue's
    owner only, as on the page /venues/<id>/safety/: 403 for an account that cannot self-assess (officers,
    staff) or a venue it sees but does not own; 404 for a venue outside its scope (another owner's)."""
    check_capability(request.user, permissions.SELF_ASSESS)
    venue = selectors.venue_get_assessable(user=request.user, venue_id=venue_id)
    return _safety_out(venue, selectors.safety_latest(venue=venue))


@router.post("/{int:venue_id}/safety", response={201: VenueSafetyOut, **errors(403, 404, 422)})
@no_personal_data(SAFETY)
def venue_safety_assess(request, venue_id: Id, payload: VenueSafetyIn):
    """The owner's self-assessment of their venue, graded by the checklist in force (high risk when an
    essential item is false) and shown on the public safe-venue map until `valid_until`. 403 and 404 as for
    GET; 422: an answer that is not a JSON boolean, an item missing or unknown (`field` names it), or a
    venue no longer active; nothing is stored then."""
    check_capability(request.user, permissions.SELF_ASSESS)
    venue = selectors.venue_get_assessable(user=request.user, venue_id=venue_id)
    row = services.venue_safety_assess(venue=venue, actor=request.user, answers=payload.dict())
    return Status(201, _safety_out(venue, row))


def _file(body: bytes, content_type: str, filename: str) -> HttpResponse:
    response = HttpResponse(body, content_type=content_type)
    response["Content-Disposition"] = f'inline; filename="{filename}"'
    response["Cache-Control"] = "private, no-store"
    return response
