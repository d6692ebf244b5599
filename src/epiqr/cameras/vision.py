"""What a frame shows, as pure functions over greyscale numpy arrays (no Django): the QR codes in it
(zxing-cpp), the people in a region of interest (OpenCV), movement through a door region.

Everything here uses what ships inside the `zxing-cpp` and `opencv-python-headless` wheels; nothing is
downloaded at run time. Regions are fractions of the frame, (x0, y0, x1, y1) with 0 <= x0 < x1 <= 1, so a
camera's settings survive a change of resolution.

People counters (choose per camera, `Camera.detector`):
- "hog": OpenCV's pedestrian detector (HOG features with the linear SVM trained on INRIA persons that
  OpenCV ships, `HOGDescriptor_getDefaultPeopleDetector`): upright people of at least about 64x128 pixels;
  misses people much smaller, sitting, or hidden behind others.
- "blobs": background subtraction against the camera's empty-scene reference (a frame taken when nobody
  is there), then connected regions of a person's size: fast and fine for a fixed camera over separated
  people; two people touching count as one, so it undercounts crowds.
The accuracy of both on the test scenes is measured by bench/checkpoints_frames.py (docs/benchmarks.md).
"""

from __future__ import annotations

from dataclasses import dataclass
from functools import cache

import cv2
import numpy as np
import zxingcpp

Region = tuple[float, float, float, float]
WHOLE: Region = (0.0, 0.0, 1.0, 1.0)
MAX_PIXELS = 4096 * 4096  # a bigger upload is refused before decoding (a decompression bomb)


class FrameError(ValueError):
    """The bytes are not an image we can read."""


def image_from_bytes(blob: bytes) -> np.ndarray:
    """A greyscale frame from JPEG/PNG bytes; FrameError for anything else or anything too big."""
    if not blob:
        raise FrameError("empty")
    data = np.frombuffer(blob, dtype=np.uint8)
    header = cv2.imdecode(data, cv2.IMREAD_REDUCED_GRAYSCALE_8)
    if header is None:
        raise FrameError("not an image")
    if header.shape[0] * header.shape[1] * 64 > MAX_PIXELS:
        raise FrameError("too large")
    frame = cv2.imdecode(data, cv2.IMREAD_GRAYSCALE)
    if frame is None:
        raise FrameError("not an image")
    return frame


def region_check(region) -> Region:
    """A region from settings or a form: four numbers, inside the frame, not empty; ValueError otherwise."""
    if region in (None, "", []):
        return WHOLE
    values = tuple(float(v) for v in region)
    if len(values) != 4:
        raise ValueError("a region is four numbers")
    x0, y0, x1, y1 = values
    if not (0 <= x0 < x1 <= 1 and 0 <= y0 < y1 <= 1):
        raise ValueError("a region is x0 < x1 and y0 < y1, each between 0 and 1")
    return values  # type: ignore[return-value]


def crop(frame: np.ndarray, region: Region) -> np.ndarray:
    h, w = frame.shape[:2]
    x0, y0, x1, y1 = region
    return frame[
        int(y0 * h) : max(int(y1 * h), int(y0 * h) + 1), int(x0 * w) : max(int(x1 * w), int(x0 * w) + 1)
    ]


def qr_codes(frame: np.ndarray) -> list[str]:
    """The text of every QR code zxing-cpp finds in the frame (phones at an angle, paper), top to bottom.

    Only QR codes, dark on light, at the frame's resolution: without zxing's 90-degree retries (for 1D
    codes), inverted-colour pass and downscaled passes a 1920x1080 frame is read in half the time, and
    the test frames (codes of 3 to 16 pixels a module, turned up to 30 degrees, at an angle) lose none."""
    found = [
        r
        for r in zxingcpp.read_barcodes(
            frame,
            formats=zxingcpp.BarcodeFormat.QRCode,
            try_rotate=False,
            try_invert=False,
            try_downscale=False,
        )
        if r.valid
    ]
    found.sort(key=lambda r: (r.position.top_left.y, r.position.top_left.x))
    texts, seen = [], set()
    for r in found:
        if r.text not in seen:
            seen.add(r.text)
            texts.append(r.text)
    return texts


@cache
def _hog() -> cv2.HOGDescriptor:
    hog = cv2.HOGDescriptor()
    hog.setSVMDetector(cv2.HOGDescriptor_getDefaultPeopleDetector())
    return hog


@dataclass(frozen=True)
class Count:
    people: int
    boxes: tuple[tuple[int, int, int, int], ...]  # x, y, w, h in the region's pixels


def count_hog(frame: np.ndarray, region: Region = WHOLE, *, max_width: int = 960) -> Count:
    """People in the region by OpenCV's HOG pedestrian detector (the region scaled to at most max_width)."""
    part = crop(frame, region)
    scale = min(1.0, max_width / max(1, part.shape[1]))
    if scale < 1.0:
        part = cv2.resize(part, None, fx=scale, fy=scale, interpolation=cv2.INTER_AREA)
    if part.shape[0] < 128 or part.shape[1] < 64:
        return Count(0, ())
    rects, weights = _hog().detectMultiScale(part, winStride=(8, 8), padding=(8, 8), scale=1.05)
    keep = [
        tuple(int(v / scale) for v in r)
        for r, wgt in zip(rects, np.ravel(weights), strict=False)
        if wgt > 0.3
    ]
    boxes = _suppress(keep)
    return Count(len(boxes), tuple(boxes))


def count_blobs(
    frame: np.ndarray,
    reference: np.ndarray | None,
    region: Region = WHOLE,
    *,
    min_area: float = 0.002,
    max_area: float = 0.2,
) -> Count:
    """People in the region as blobs that differ from the empty-scene reference, of a person's size
    (between min_area and max_area of the region). Without a reference nothing can be told: 0."""
    if reference is None or reference.shape != frame.shape:
        return Count(0, ())
    part, ref = crop(frame, region), crop(reference, region)
    diff = cv2.absdiff(cv2.GaussianBlur(part, (5, 5), 0), cv2.GaussianBlur(ref, (5, 5), 0))
    _t, mask = cv2.threshold(diff, 30, 255, cv2.THRESH_BINARY)
    mask = cv2.morphologyEx(mask, cv2.MORPH_OPEN, np.ones((3, 3), np.uint8))
    mask = cv2.morphologyEx(mask, cv2.MORPH_CLOSE, np.ones((7, 7), np.uint8))
    n, _labels, stats, _centroids = cv2.connectedComponentsWithStats(mask)
    area = part.shape[0] * part.shape[1]
    boxes = [
        tuple(int(v) for v in stats[i, :4])
        for i in range(1, n)
        if min_area * area <= stats[i, cv2.CC_STAT_AREA] <= max_area * area
        and stats[i, cv2.CC_STAT_HEIGHT] >= stats[i, cv2.CC_STAT_WIDTH]  # upright
    ]
    return Count(len(boxes), tuple(boxes))


def _suppress(
    boxes: list[tuple[int, int, int, int]], overlap: float = 0.5
) -> list[tuple[int, int, int, int]]:
    """Non-maximum suppression by area overlap: one box per person."""
    out: list[tuple[int, int, int, int]] = []
    for b in sorted(boxes, key=lambda b: -b[2] * b[3]):
        if all(_iou(b, o) < overlap for o in out):
            out.append(b)
    return out


def _iou(a, b) -> float:
    ax, ay, aw, ah = a
    bx, by, bw, bh = b
    w = max(0, min(ax + aw, bx + bw) - max(ax, bx))
    h = max(0, min(ay + ah, by + bh) - max(ay, by))
    inter = w * h
    return inter / float(aw * ah + bw * bh - inter) if inter else 0.0


THUMB = (32, 32)


def door_thumbnail(frame: np.ndarray, region: Region) -> bytes:
    """The door region reduced to 32x32 blurred grey levels: enough to see that something moved through
    it, too little to recognise anyone (this is what a camera keeps between frames, not the frame)."""
    small = cv2.resize(crop(frame, region), THUMB, interpolation=cv2.INTER_AREA)
    return cv2.GaussianBlur(small, (3, 3), 0).tobytes()


def door_movement(previous: bytes | None, current: bytes, *, level: int = 25) -> float:
    """How much of the door region changed between two thumbnails: the share (percent, 0..100) of its
    pixels whose grey level moved by more than `level`; 0 without a previous one. Sensor noise and slow
    light changes stay under `level`; a person passing changes a block of pixels."""
    if not previous or len(previous) != len(current):
        return 0.0
    a = np.frombuffer(previous, dtype=np.uint8).astype(np.int16)
    b = np.frombuffer(current, dtype=np.uint8).astype(np.int16)
    return float((np.abs(a - b) > level).mean() * 100)
