"""Synthetic street scenes with people for the counters (no photo of anyone): an empty scene, then the
same scene with N pedestrians drawn as upright figures (head, shoulders, torso, two legs, some arms out),
each a different grey, height 150-260 px on a 1920x1080 frame, optionally overlapping."""

from __future__ import annotations

import random

import cv2
import numpy as np

from tests.checkpoints.scenes import FRAME, background


def draw_person(
    frame: np.ndarray, x: int, y: int, height: int, shade: int, rng: random.Random
) -> tuple[int, int, int, int]:
    """A pedestrian standing with feet at (x, y+height): returns its box (x, y, w, h)."""
    head = height // 8
    cx = x
    top = y
    cv2.ellipse(frame, (cx, top + head // 2 + 2), (head // 2, head // 2 + 2), 0, 0, 360, shade, -1)
    shoulders = top + head + 4
    waist = top + int(height * 0.52)
    half = int(height * 0.13)
    body = np.array(
        [
            [cx - half, shoulders],
            [cx + half, shoulders],
            [cx + int(half * 0.8), waist],
            [cx - int(half * 0.8), waist],
        ]
    )
    cv2.fillPoly(frame, [body], shade)
    stride = rng.randint(-height // 10, height // 10)
    leg = max(3, height // 14)
    cv2.line(frame, (cx - half // 2, waist), (cx - half // 2 - stride, top + height), shade, leg)
    cv2.line(frame, (cx + half // 2, waist), (cx + half // 2 + stride, top + height), shade, leg)
    arm = max(2, height // 20)
    cv2.line(frame, (cx - half, shoulders + 3), (cx - half - rng.randint(0, half), waist), shade, arm)
    cv2.line(frame, (cx + half, shoulders + 3), (cx + half + rng.randint(0, half), waist), shade, arm)
    return (cx - half * 2, top, half * 4, height)


def street(n: int, *, seed: int = 0, overlap: bool = False) -> tuple[np.ndarray, np.ndarray, list]:
    """(empty scene, scene with n people, their boxes). Without `overlap` the people stand apart."""
    rng = random.Random(seed)
    empty = background(seed=seed)
    frame = empty.copy()
    boxes = []
    slots = list(range(120, FRAME[0] - 120, 150))
    rng.shuffle(slots)
    for i in range(n):
        height = rng.randint(150, 260)
        x = rng.randint(80, FRAME[0] - 80) if overlap else slots[i % len(slots)] + rng.randint(-20, 20)
        y = rng.randint(300, FRAME[1] - height - 20)
        shade = rng.choice([rng.randint(10, 50), rng.randint(200, 245)])
        boxes.append(draw_person(frame, x, y, height, shade, rng))
    noise = np.random.default_rng(seed + 1).normal(0, 4, frame.shape)
    return empty, np.clip(frame + noise, 0, 255).astype(np.uint8), boxes
