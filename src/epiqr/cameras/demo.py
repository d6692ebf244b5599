"""Demo cameras, fed with frames drawn here (no photo of anyone): a checkpoint camera at Pháp Vân that
read two permits and one revoked permit, a crowd camera at Chợ Đồng Xuân whose count stayed above its
threshold (an alert with its frame), and a quarantine-zone camera whose door saw movement (an alert)."""

from __future__ import annotations

import io
import random
from datetime import timedelta

import cv2
import numpy as np
import segno

from epiqr.checkpoints.models import Permit
from epiqr.core.timeutil import now

from .models import Camera
from .services import frame_process

SIZE = (1920, 1080)


def _street(rng: random.Random) -> np.ndarray:
    w, h = SIZE
    frame = np.tile(np.linspace(90, 160, w, dtype=np.float32), (h, 1))
    for _ in range(10):
        x, y = rng.randrange(0, w - 200), rng.randrange(0, h - 200)
        frame[y : y + rng.randrange(40, 300), x : x + rng.randrange(40, 300)] = rng.randrange(30, 220)
    return np.clip(frame, 0, 255).astype(np.uint8)


def _person(frame: np.ndarray, x: int, y: int, height: int, shade: int) -> None:
    head, half = height // 8, int(height * 0.13)
    cv2.ellipse(frame, (x, y + head // 2), (head // 2, head // 2 + 2), 0, 0, 360, shade, -1)
    waist = y + int(height * 0.52)
    body = np.array(
        [[x - half, y + head + 4], [x + half, y + head + 4], [x + half, waist], [x - half, waist]]
    )
    cv2.fillPoly(frame, [body], shade)
    cv2.line(frame, (x - half // 2, waist), (x - half, y + height), shade, max(3, height // 14))
    cv2.line(frame, (x + half // 2, waist), (x + half, y + height), shade, max(3, height // 14))


def _with_codes(frame: np.ndarray, texts: list[str]) -> np.ndarray:
    frame = frame.copy()
    for i, text in enumerate(texts):
        out = io.BytesIO()
        segno.make(text, error="m", micro=False).save(out, kind="png", scale=5, border=4)
        code = cv2.imdecode(np.frombuffer(out.getvalue(), np.uint8), cv2.IMREAD_GRAYSCALE)
        x, y = 200 + i * 560, 300
        frame[y : y + code.shape[0], x : x + code.shape[1]] = code
    return frame


def populate(world: dict) -> None:
    rng = random.Random(14)
    home = world["home_commune"]
    checkpoints = world.get("checkpoints") or []
    current = now()
    gate = Camera.objects.create(
        code="cam-phap-van", name="Camera chốt Pháp Vân", kind="checkpoint", commune=home,
        checkpoint=checkpoints[0] if checkpoints else None, location="Làn xe vào thành phố",
    )  # fmt: skip
    crowd = Camera.objects.create(
        code="cam-dong-xuan", name="Camera chợ Đồng Xuân", kind="crowd", commune=home, detector="blobs",
        threshold=6, sustain_minutes=3, alert_every_minutes=30, location="Cổng chính chợ",
    )  # fmt: skip
    door = Camera.objects.create(
        code="cam-ngo-hang-bac", name="Camera ngõ Hàng Bạc (hộ cách ly)", kind="quarantine", commune=home,
        door=[0.4, 0.2, 0.6, 0.9], quarantine_until=current + timedelta(days=10), alert_every_minutes=15,
    )  # fmt: skip
    world["cameras"] = [gate, crowd, door]

    texts = list(
        Permit.objects.filter(status="approved").order_by("id").values_list("payload", flat=True)[:2]
    )
    texts += list(Permit.objects.filter(status="revoked").values_list("payload", flat=True)[:1])
    if gate.checkpoint is not None and texts:
        frame_process(camera=gate, frame=_with_codes(_street(rng), texts), at=current - timedelta(minutes=12))

    empty = _street(rng)
    crowd.reference = cv2.imencode(".png", empty)[1].tobytes()
    crowd.save(update_fields=["reference"])
    busy = empty.copy()
    for i in range(9):
        _person(busy, 150 + i * 190, rng.randrange(350, 700), rng.randrange(160, 240), rng.choice((25, 230)))
    quiet = empty.copy()
    for i in range(3):
        _person(quiet, 300 + i * 500, 500, 200, 30)
    start = current - timedelta(minutes=40)
    for i in range(80):  # a reading every 30 seconds: quiet, then a crowd that stays for the last 8 minutes
        frame_process(camera=crowd, frame=busy if i >= 64 else quiet, at=start + timedelta(seconds=30 * i))

    door_empty = _street(rng)
    someone = door_empty.copy()
    _person(someone, 960, 420, 260, 20)
    for minutes, frame in ((25, door_empty), (24, someone), (23, door_empty)):
        frame_process(camera=door, frame=frame, at=current - timedelta(minutes=minutes))
    world["logins"].append(
        ("demo-xa", world["password"], "cameras: crowd counts and alerts with their frames, /cameras/")
    )
