"""Cameras API at /api/v1/cameras/: a camera gateway posts frames; dashboards read crowd counts."""

from datetime import datetime

from django.http import JsonResponse
from django.utils.translation import gettext as _
from ninja import File, Form, Query, Router, Schema
from ninja.files import UploadedFile

from epiqr.core.api_schema import Code, Moment, errors
from epiqr.core.audit import no_personal_data
from epiqr.core.errors import Invalid
from epiqr.core.permissions import check_capability

from . import permissions, selectors, services

router = Router(tags=["cameras"])
MAX_FRAME_BYTES = 8 * 1024 * 1024


class FrameOut(Schema):
    camera: str
    at: datetime
    codes: list[dict]
    people: int | None
    movement: float | None
    alerts: list[int]


class FrameMeta(Schema):
    at: Moment | None = None


@router.post("/{code}/frames", response={200: FrameOut, **errors(403, 404)})
@no_personal_data(
    "a camera gateway's frame: the answer is counts, passage numbers and outcomes; registry reads are audited"
)
def post_frame(request, code: str, frame: File[UploadedFile], meta: Form[FrameMeta]):
    """One JPEG or PNG frame of a camera of yours (multipart field `frame`, optional `at`): its QR codes
    become passages (checkpoint cameras), its people are counted (crowd cameras), movement through the door
    is watched (quarantine zones). The frame is kept only when an alert needs it."""
    if frame.size > MAX_FRAME_BYTES:
        raise Invalid(_("A frame is at most 8 MB."), field="frame")
    result = services.frame_ingest(actor=request.user, code=code[:32], blob=frame.read(), at=meta.at)
    return JsonResponse(result.as_dict())


class CrowdHourOut(Schema):
    camera: str
    name: str
    commune_code: int
    hour: datetime
    average: float
    highest: int
    threshold: int


class CrowdQuery(Schema):
    since: Moment | None = None
    commune: Code | None = None


@router.get("/crowding", response={200: list[CrowdHourOut], **errors(403)})
@no_personal_data("people counted per crowd camera and hour: counts only")
def crowding(request, params: Query[CrowdQuery]):
    """Crowd cameras of your jurisdiction, per hour: average and highest people counted, and the threshold
    (counts only: the dashboards' crowding view next to check-in occupancy)."""
    check_capability(request.user, permissions.VIEW)
    return selectors.crowd_hourly(user=request.user, since=params.since, commune_id=params.commune)
