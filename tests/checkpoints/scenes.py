"""Synthetic camera frames made in the tests (no photo of anyone): QR codes drawn with segno, shown on a
phone-shaped screen or a sheet of paper, seen at an angle (a perspective warp as a camera sees a hand
held screen), pasted into a 1920x1080 street-like background with noise and blur.

Used by the render-and-decode tests of permits, the camera tests and bench/checkpoints_frames.py.
"""

from __future__ import annotations

import io
import random

import cv2
import numpy as np
import segno
from PIL import Image

FRAME = (1920, 1080)


def qr_array(text: str, *, module_px: int = 4, error: str = "m", border: int = 4) -> np.ndarray:
    """The QR symbol as a greyscale array (255 white), `module_px` pixels per module."""
    out = io.BytesIO()
    segno.make(text, error=error, micro=False).save(out, kind="png", scale=module_px, border=border)
    return np.asarray(Image.open(out).convert("L"), dtype=np.uint8)


def on_phone(code: np.ndarray, *, bezel: int = 18, brightness: int = 235) -> np.ndarray:
    """The code on a phone's screen: a dark body around a slightly grey screen (not paper white)."""
    h, w = code.shape
    screen = (code.astype(np.float32) * brightness / 255).astype(np.uint8)
    body = np.full((h + 2 * bezel + 60, w + 2 * bezel), 25, dtype=np.uint8)
    body[bezel + 30 : bezel + 30 + h, bezel : bezel + w] = screen
    return body


def on_paper(code: np.ndarray, *, margin: int = 40) -> np.ndarray:
    h, w = code.shape
    sheet = np.full((h + 2 * margin + 80, w + 2 * margin), 245, dtype=np.uint8)
    sheet[margin : margin + h, margin : margin + w] = code
    sheet[margin + h + 20 : margin + h + 30, margin : margin + w // 2] = 60  # a printed line of text
    return sheet


def tilted(
    image: np.ndarray, *, yaw: float = 0.0, pitch: float = 0.0, roll: float = 0.0
) -> tuple[np.ndarray, np.ndarray]:
    """The image as a camera sees it turned by yaw/pitch (fractions of foreshortening, 0..0.45) and roll
    (degrees): (warped image, mask of where it is)."""
    h, w = image.shape
    src = np.float32([[0, 0], [w, 0], [w, h], [0, h]])
    dx, dy = yaw * w / 2, pitch * h / 2
    dst = np.float32([[dx, dy], [w - dx, -dy * 0.2], [w - dx, h + dy * 0.2], [dx, h - dy]])
    if roll:
        centre = dst.mean(axis=0)
        a = np.deg2rad(roll)
        rot = np.array([[np.cos(a), -np.sin(a)], [np.sin(a), np.cos(a)]], dtype=np.float32)
        dst = (dst - centre) @ rot.T + centre
    dst -= dst.min(axis=0)
    size = (int(np.ceil(dst[:, 0].max())) + 1, int(np.ceil(dst[:, 1].max())) + 1)
    matrix = cv2.getPerspectiveTransform(src, dst.astype(np.float32))
    warped = cv2.warpPerspective(image, matrix, size, flags=cv2.INTER_LINEAR, borderValue=0)
    mask = cv2.warpPerspective(np.full_like(image, 255), matrix, size, flags=cv2.INTER_NEAREST, borderValue=0)
    return warped, mask


def background(*, seed: int = 0, size: tuple[int, int] = FRAME) -> np.ndarray:
    """A street-like grey background: a gradient, a few dark and light blocks, sensor noise."""
    rng = np.random.default_rng(seed)
    w, h = size
    frame = np.tile(np.linspace(90, 160, w, dtype=np.float32), (h, 1))
    for _ in range(12):
        x, y = int(rng.integers(0, w - 200)), int(rng.integers(0, h - 200))
        frame[y : y + int(rng.integers(40, 300)), x : x + int(rng.integers(40, 300))] = rng.integers(30, 220)
    frame += rng.normal(0, 6, frame.shape)
    return np.clip(frame, 0, 255).astype(np.uint8)


def paste(frame: np.ndarray, item: np.ndarray, mask: np.ndarray, *, x: int, y: int) -> None:
    h, w = item.shape
    region = frame[y : y + h, x : x + w]
    m = mask[: region.shape[0], : region.shape[1]] > 0
    region[m] = item[: region.shape[0], : region.shape[1]][m]


def frame_with_codes(
    texts: list[str], *, seed: int = 0, module_px: int = 4, blur: bool = True, paper_every: int = 3
) -> np.ndarray:
    """A 1920x1080 greyscale frame holding each text as a QR on a phone screen or a sheet (every
    `paper_every`-th), each turned a different way, spread over the frame without overlapping."""
    rng = random.Random(seed)
    frame = background(seed=seed)
    columns = max(1, len(texts))
    slot = FRAME[0] // columns
    for i, text in enumerate(texts):
        code = qr_array(text, module_px=module_px)
        holder = on_paper(code) if paper_every and i % paper_every == paper_every - 1 else on_phone(code)
        item, mask = tilted(
            holder, yaw=rng.uniform(0.1, 0.35), pitch=rng.uniform(0.0, 0.2), roll=rng.uniform(-25, 25)
        )
        if item.shape[1] > slot - 20:
            scale = (slot - 20) / item.shape[1]
            item = cv2.resize(item, None, fx=scale, fy=scale, interpolation=cv2.INTER_AREA)
            mask = cv2.resize(mask, None, fx=scale, fy=scale, interpolation=cv2.INTER_NEAREST)
        x = i * slot + rng.randint(0, max(0, slot - item.shape[1] - 1))
        y = rng.randint(0, max(0, FRAME[1] - item.shape[0] - 1))
        paste(frame, item, mask, x=x, y=y)
    if blur:
        frame = cv2.GaussianBlur(frame, (3, 3), 0.8)
    return frame


def jpeg(frame: np.ndarray, quality: int = 85) -> bytes:
    ok, blob = cv2.imencode(".jpg", frame, [cv2.IMWRITE_JPEG_QUALITY, quality])
    assert ok
    return blob.tobytes()
