"""The camera worker: reads a video file or a stream (any address OpenCV's FFmpeg backend opens: a file,
rtsp://, http://) and hands frames to services.frame_process. The loop is bounded (frames, seconds), so
it is testable with a file and a service manager restarts it for a stream that ends.

Time of a frame: for a file, `start_at` plus the frame's position in the video (a recorded hour replays
as that hour); for a stream, the clock when the frame arrived.
"""

from __future__ import annotations

import time
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import datetime, timedelta

import cv2

from epiqr.core.timeutil import now

from .services import frame_process


@dataclass
class ReadReport:
    frames_read: int = 0
    frames_processed: int = 0
    alerts: list[int] = field(default_factory=list)
    codes: int = 0
    ended: str = ""  # "end of source", "max frames", "max seconds", "cannot open"


def read_source(
    *,
    camera,
    source: str,
    max_frames: int = 1000,
    max_seconds: float = 3600.0,
    every: int = 1,
    start_at: datetime | None = None,
    is_file: bool | None = None,
    process: Callable | None = None,
) -> ReadReport:
    """Read up to `max_frames` frames (every `every`-th is processed) or `max_seconds` of wall time."""
    process = process or frame_process
    report = ReadReport()
    capture = cv2.VideoCapture(source)
    if not capture.isOpened():
        report.ended = "cannot open"
        return report
    is_file = is_file if is_file is not None else "://" not in source
    start_at = start_at or now()
    started = time.monotonic()
    try:
        while True:
            if report.frames_processed >= max_frames:
                report.ended = "max frames"
                break
            if time.monotonic() - started > max_seconds:
                report.ended = "max seconds"
                break
            ok, image = capture.read()
            if not ok:
                report.ended = "end of source"
                break
            report.frames_read += 1
            if (report.frames_read - 1) % max(1, every):
                continue
            at = start_at + timedelta(milliseconds=capture.get(cv2.CAP_PROP_POS_MSEC)) if is_file else now()
            grey = cv2.cvtColor(image, cv2.COLOR_BGR2GRAY) if image.ndim == 3 else image
            result = process(camera=camera, frame=grey, at=at)
            report.frames_processed += 1
            report.alerts += result.alerts
            report.codes += len(result.codes)
    finally:
        capture.release()
    return report
