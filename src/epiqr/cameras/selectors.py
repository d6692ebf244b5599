"""Reads of cameras, narrowed to the reader's scope: officers see the cameras of their jurisdiction; a
camera gateway's account feeds the cameras of its jurisdiction, or of the checkpoints it works at."""

from __future__ import annotations

from datetime import datetime, timedelta

from django.db.models import Avg, Max, QuerySet
from django.db.models.functions import TruncHour
from django.utils.translation import gettext as _

from epiqr.accounts.selectors import jurisdiction_filter, jurisdiction_q
from epiqr.core.errors import NotFound
from epiqr.core.permissions import Role, has_capability
from epiqr.core.timeutil import now

from . import permissions
from .models import Camera, CameraAlert, CrowdCount, Frame


def camera_list_visible_to(*, user) -> QuerySet[Camera]:
    if not has_capability(user, permissions.VIEW):
        return Camera.objects.none()
    return jurisdiction_filter(
        Camera.objects.select_related("commune", "checkpoint"), user=user, commune_path="commune"
    ).order_by("name", "id")


def camera_get_visible(*, user, camera_id: int) -> Camera:
    camera = camera_list_visible_to(user=user).filter(pk=camera_id).first()
    if camera is None:
        raise NotFound(_("No such camera in your jurisdiction."))
    return camera


def camera_list_feedable_by(*, user) -> QuerySet[Camera]:
    if not has_capability(user, permissions.FEED):
        return Camera.objects.none()
    if user.role == Role.CHECKPOINT_OFFICER:
        return Camera.objects.filter(checkpoint__officers=user).select_related("checkpoint__commune")
    q = jurisdiction_q(user=user, commune_path="commune")
    qs = Camera.objects.select_related("checkpoint__commune")
    return qs if q is None else qs.filter(q)


def alert_list(*, camera: Camera, limit: int = 50) -> list[CameraAlert]:
    return list(
        CameraAlert.objects.filter(camera=camera)
        .select_related("frame")
        .defer("frame__image")
        .order_by("-at", "-id")[:limit]
    )


def frame_get_visible(*, user, alert_id: int) -> Frame:
    frame = (
        Frame.objects.select_related("alert__camera")
        .filter(alert_id=alert_id, alert__camera__in=camera_list_visible_to(user=user), kept_until__gte=now())
        .first()
    )
    if frame is None:
        raise NotFound(_("No frame is kept for this alert (never kept, or past its keeping time)."))
    return frame


def crowd_latest(*, cameras) -> dict[int, tuple[datetime, int]]:
    """The last count of each camera."""
    out = {}
    for camera_id, at, people in (
        CrowdCount.objects.filter(camera__in=cameras)
        .order_by("camera_id", "-at")
        .values_list("camera_id", "at", "people")
    ):
        out.setdefault(camera_id, (at, people))
    return out


def crowd_hourly(*, user, since: datetime | None = None, commune_id: int | None = None) -> list[dict]:
    """Crowding for the dashboards, next to check-in occupancy: per crowd camera and hour, the average and
    the highest count, with the camera's threshold (no images, no people: counts only)."""
    since = since or now() - timedelta(hours=24)
    cameras = camera_list_visible_to(user=user).filter(kind="crowd")
    if commune_id is not None:
        cameras = cameras.filter(commune_id=commune_id)
    rows = (
        CrowdCount.objects.filter(camera__in=cameras, at__gte=since)
        .annotate(hour=TruncHour("at"))
        .values(
            "camera_id", "camera__code", "camera__name", "camera__commune_id", "camera__threshold", "hour"
        )
        .annotate(average=Avg("people"), highest=Max("people"))
        .order_by("camera_id", "hour")
    )
    return [
        {
            "camera": r["camera__code"],
            "name": r["camera__name"],
            "commune_code": r["camera__commune_id"],
            "hour": r["hour"],
            "average": round(float(r["average"]), 1),
            "highest": r["highest"],
            "threshold": r["camera__threshold"],
        }
        for r in rows
    ]


def alert_get(*, alert_id: int) -> CameraAlert | None:
    """One alert with its camera (the reactions to `camera_alert` read it again here)."""
    return CameraAlert.objects.select_related("camera").filter(pk=alert_id).first()
