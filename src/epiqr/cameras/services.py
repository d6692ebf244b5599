"""Camera frames read into passages, crowd counts and alerts.

One frame in (an upload from a camera gateway, or a frame the worker read from a file or stream):
- checkpoint camera: every QR code in it is verified as a permit or a personal QR (checkpoints'
  selectors, the registry read audited) and becomes a passage; a refused one raises an alert that keeps
  the frame as evidence; valid passages never keep a frame;
- crowd camera: the people in its region are counted (a CrowdCount row); when the count stayed above the
  threshold for the camera's minutes, an alert with the frame goes to the commune's officers (notify),
  at most once per `alert_every_minutes`;
- quarantine-zone camera: while its household is in quarantine, movement through the door region raises
  an alert with the frame for the commune's officers, at most once per `alert_every_minutes`.
Frames are kept only with their alert, for EPIQR_CAMERA_FRAME_HOURS, then purged (`frames_purge`).
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime, timedelta

import cv2
import numpy as np
from django.conf import settings
from django.db import transaction
from django.utils.translation import gettext as _

from epiqr.accounts.models import User
from epiqr.checkpoints.selectors import scan_verify
from epiqr.checkpoints.services import passage_record_camera
from epiqr.core import events
from epiqr.core.errors import Forbidden, Invalid, NotFound
from epiqr.core.permissions import check_capability
from epiqr.core.services import audit_record
from epiqr.core.timeutil import now
from epiqr.notify.services import message_send_to_officers

from . import alerts, permissions, vision
from .events import CAMERA_ALERT
from .models import AlertKind, Camera, CameraAlert, CameraKind, CrowdCount, Detector, Frame
from .selectors import camera_list_feedable_by

MOVEMENT_THRESHOLD = 2.0  # percent of the door thumbnail's pixels changed that counts as movement


def frame_hours() -> int:
    return int(getattr(settings, "EPIQR_CAMERA_FRAME_HOURS", 72))


@dataclass
class FrameResult:
    camera: str
    at: datetime
    codes: list[dict] = field(default_factory=list)
    people: int | None = None
    movement: float | None = None
    alerts: list[int] = field(default_factory=list)

    def as_dict(self) -> dict:
        return {
            "camera": self.camera,
            "at": self.at.isoformat(),
            "codes": self.codes,
            "people": self.people,
            "movement": self.movement,
            "alerts": self.alerts,
        }


def _jpeg(frame: np.ndarray) -> bytes:
    ok, blob = cv2.imencode(".jpg", frame, [cv2.IMWRITE_JPEG_QUALITY, 80])
    return blob.tobytes() if ok else b""


def _alert(
    camera: Camera, *, kind: str, at: datetime, frame: np.ndarray, people=None, detail=None
) -> CameraAlert:
    alert = CameraAlert.objects.create(camera=camera, kind=kind, at=at, people=people, detail=detail or {})
    Frame.objects.create(alert=alert, image=_jpeg(frame), kept_until=at + timedelta(hours=frame_hours()))
    events.emit(
        CAMERA_ALERT,
        alert_id=alert.pk,
        camera_id=camera.pk,
        kind=kind,
        commune_id=camera.commune_id,
        person_id=camera.household_id if kind == AlertKind.DOOR else None,
        people=people,
        at=at.isoformat(),
    )
    return alert


def _tell_officers(camera: Camera, alert: CameraAlert) -> None:
    def send():
        n = message_send_to_officers(
            commune_id=camera.commune_id,
            template=f"camera_{alert.kind}",
            context={"camera": camera, "alert": alert, "base_url": settings.PUBLIC_BASE_URL},
            related=alert,
        )
        CameraAlert.objects.filter(pk=alert.pk).update(notified=n)

    transaction.on_commit(send, robust=True)


def frame_process(
    *, camera: Camera, frame: np.ndarray, at: datetime | None = None, actor: User | None = None
) -> FrameResult:
    """Read one greyscale frame for its camera's kind (see the module's docstring)."""
    at = at or now()
    result = FrameResult(camera=camera.code, at=at)
    with transaction.atomic():
        if camera.kind == CameraKind.CHECKPOINT:
            _checkpoint_frame(camera, frame, at, actor, result)
        elif camera.kind == CameraKind.CROWD:
            _crowd_frame(camera, frame, at, result)
        else:
            _door_frame(camera, frame, at, result)
    return result


def _checkpoint_frame(
    camera: Camera, frame: np.ndarray, at: datetime, actor: User | None, result: FrameResult
) -> None:
    checkpoint = camera.checkpoint
    if checkpoint is None:
        raise Invalid(_("This checkpoint camera is not attached to a checkpoint."), code="no_checkpoint")
    refused = []
    for text in vision.qr_codes(frame):
        is_permit = text.startswith("GD1:")
        verdict = scan_verify(
            user=actor,
            checkpoint=checkpoint,
            permit_text=text if is_permit else "",
            card_text="" if is_permit else text,
            at=at,
        )
        passage = passage_record_camera(
            checkpoint=checkpoint, camera_code=camera.code, at=at, verdict=verdict
        )
        result.codes.append(
            {
                "passage": passage.pk,
                "valid": verdict["valid"],
                "reasons": verdict["reasons"],
                "permit": verdict["permit"],
            }
        )
        if not verdict["valid"]:
            refused.append((passage, verdict))
    if refused:
        alert = _alert(
            camera,
            kind=AlertKind.PASSAGE,
            at=at,
            frame=frame,
            detail={
                "passages": [p.pk for p, _v in refused],
                "reasons": sorted({r for _p, v in refused for r in v["reasons"]}),
            },
        )
        result.alerts.append(alert.pk)
        if any(v.get("alert") for _p, v in refused):
            _tell_officers(camera, alert)


def _last_alert_at(camera: Camera, kind: str):
    return (
        CameraAlert.objects.filter(camera=camera, kind=kind)
        .order_by("-at")
        .values_list("at", flat=True)
        .first()
    )


def _crowd_frame(camera: Camera, frame: np.ndarray, at: datetime, result: FrameResult) -> None:
    region = vision.region_check(camera.region)
    if camera.detector == Detector.BLOBS:
        reference = vision.image_from_bytes(bytes(camera.reference)) if camera.reference else None
        count = vision.count_blobs(frame, reference, region)
    else:
        count = vision.count_hog(frame, region)
    result.people = count.people
    CrowdCount.objects.create(camera=camera, at=at, people=count.people)
    since = at - timedelta(minutes=camera.sustain_minutes) - alerts.MAX_GAP
    counts = list(
        CrowdCount.objects.filter(camera=camera, at__gte=since, at__lte=at)
        .order_by("at")
        .values_list("at", "people")
    )
    if alerts.crowd_sustained(
        counts, now=at, threshold=camera.threshold, sustain_minutes=camera.sustain_minutes
    ) and alerts.alert_allowed(
        last_alert_at=_last_alert_at(camera, AlertKind.CROWD),
        now=at,
        every_minutes=camera.alert_every_minutes,
    ):
        alert = _alert(camera, kind=AlertKind.CROWD, at=at, frame=frame, people=count.people)
        result.alerts.append(alert.pk)
        _tell_officers(camera, alert)


def _door_frame(camera: Camera, frame: np.ndarray, at: datetime, result: FrameResult) -> None:
    region = vision.region_check(camera.door)
    thumb = vision.door_thumbnail(frame, region)
    previous = bytes(camera.door_thumbnail) if camera.door_thumbnail else None
    Camera.objects.filter(pk=camera.pk).update(door_thumbnail=thumb)
    camera.door_thumbnail = thumb
    result.movement = round(vision.door_movement(previous, thumb), 1)
    quarantined = camera.quarantine_until is not None and at <= camera.quarantine_until
    if (
        quarantined
        and result.movement >= MOVEMENT_THRESHOLD
        and alerts.alert_allowed(
            last_alert_at=_last_alert_at(camera, AlertKind.DOOR),
            now=at,
            every_minutes=camera.alert_every_minutes,
        )
    ):
        alert = _alert(camera, kind=AlertKind.DOOR, at=at, frame=frame, detail={"movement": result.movement})
        result.alerts.append(alert.pk)
        _tell_officers(camera, alert)


def camera_for_feed(*, actor: User, code: str) -> Camera:
    """The camera a gateway posts to, checked against the account's capability and scope."""
    check_capability(actor, permissions.FEED)
    camera = camera_list_feedable_by(user=actor).filter(code=str(code)[:32], active=True).first()
    if camera is None:
        raise NotFound(_("No active camera with this code among yours."))
    return camera


def frame_ingest(*, actor: User, code: str, blob: bytes, at: datetime | None = None) -> FrameResult:
    """An uploaded JPEG/PNG frame (a camera gateway): scope first, then the frame is read."""
    camera = camera_for_feed(actor=actor, code=code)
    try:
        frame = vision.image_from_bytes(blob)
    except vision.FrameError as exc:
        raise Invalid(
            _("The upload is not a JPEG or PNG image we can read (%(why)s).") % {"why": exc}, field="frame"
        ) from exc
    if at is not None and not (now() - timedelta(days=1) <= at <= now() + timedelta(minutes=10)):
        raise Invalid(_("The frame's time is more than a day old or in the future."), field="at")
    return frame_process(camera=camera, frame=frame, at=at, actor=actor)


def camera_reference_set(*, actor: User, camera: Camera, blob: bytes) -> Camera:
    """The empty-scene reference of a "blobs" camera (a frame taken with nobody in it)."""
    try:
        frame = vision.image_from_bytes(blob)
    except vision.FrameError as exc:
        raise Invalid(
            _("The upload is not a JPEG or PNG image we can read (%(why)s).") % {"why": exc}, field="frame"
        ) from exc
    ok, png = cv2.imencode(".png", frame)
    camera.reference = png.tobytes()
    Camera.objects.filter(pk=camera.pk).update(reference=camera.reference)
    audit_record(actor=actor, action="cameras.reference_set", target=camera)
    return camera


def frames_purge(*, at: datetime | None = None) -> int:
    """Delete the frames past their keeping time (the alerts stay, without their frame)."""
    deleted, _detail = Frame.objects.filter(kept_until__lt=at or now()).delete()
    return deleted


def camera_may_feed(*, actor: User, camera: Camera) -> None:
    if not camera_list_feedable_by(user=actor).filter(pk=camera.pk).exists():
        raise Forbidden(_("This camera is not one of yours."))
