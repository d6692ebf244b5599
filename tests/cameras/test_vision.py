"""What a frame shows: several QR codes at once (phones at an angle, paper), people in a region, movement
through a door; and when a camera alerts (sustained crowd, at most once per N minutes)."""

from datetime import UTC, datetime, timedelta

import numpy as np
import pytest

from epiqr.cameras import alerts, vision
from tests.checkpoints.scenes import frame_with_codes, jpeg

from .people import draw_person, street

PERMITS = [f"GD1:{i:06d}" + "ABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789 $%*+-./:" * 4 for i in range(4)]


@pytest.mark.parametrize("seed", range(6))
def test_every_code_in_a_full_hd_frame_is_read(seed):
    """Four permit-sized codes on phones and paper, each turned another way, in one 1920x1080 frame."""
    frame = frame_with_codes(PERMITS, seed=seed)
    assert frame.shape == (1080, 1920)
    assert sorted(vision.qr_codes(frame)) == sorted(PERMITS)


def test_a_jpeg_upload_reads_the_same():
    blob = jpeg(frame_with_codes(PERMITS[:3], seed=9))
    assert sorted(vision.qr_codes(vision.image_from_bytes(blob))) == sorted(PERMITS[:3])


@pytest.mark.parametrize("blob", [b"", b"not an image", b"\x89PNG\r\n\x1a\n" + b"\x00" * 50])
def test_garbage_uploads_are_refused(blob):
    with pytest.raises(vision.FrameError):
        vision.image_from_bytes(blob)


def test_regions_are_checked():
    assert vision.region_check([]) == vision.WHOLE
    assert vision.region_check([0.1, 0.2, 0.5, 0.9]) == (0.1, 0.2, 0.5, 0.9)
    for bad in ([0.5, 0.2, 0.1, 0.9], [0, 0, 1.2, 1], [1, 2, 3], ["a", 0, 1, 1]):
        with pytest.raises(ValueError):
            vision.region_check(bad)


@pytest.mark.parametrize("n", [0, 3, 8])
def test_blob_counter_counts_people_standing_apart(n):
    empty, frame, _boxes = street(n, seed=n)
    assert vision.count_blobs(frame, empty).people == n


def test_blob_counter_counts_only_inside_its_region():
    empty, frame, boxes = street(6, seed=4)
    left = [b for b in boxes if b[0] + b[2] < 960]
    assert vision.count_blobs(frame, empty, (0.0, 0.0, 0.5, 1.0)).people == len(left)


def test_hog_counter_finds_drawn_pedestrians():
    """HOG on drawn figures: within one of the truth on a frame of 8 (measured more widely in the bench)."""
    _empty, frame, _boxes = street(8, seed=8)
    assert abs(vision.count_hog(frame).people - 8) <= 1


def test_movement_through_the_door_region():
    empty, _frame, _boxes = street(0, seed=2)
    door = (0.4, 0.2, 0.6, 0.9)
    quiet = vision.door_thumbnail(empty, door)
    assert vision.door_movement(quiet, vision.door_thumbnail(empty.copy(), door)) == 0
    someone = empty.copy()
    import random

    draw_person(someone, 960, 400, 260, 20, random.Random(1))
    assert vision.door_movement(quiet, vision.door_thumbnail(someone, door)) >= 2
    # Someone far from the door changes nothing there.
    elsewhere = empty.copy()
    draw_person(elsewhere, 200, 400, 260, 20, random.Random(1))
    assert vision.door_movement(quiet, vision.door_thumbnail(elsewhere, door)) == 0
    assert len(quiet) == 32 * 32  # all a camera keeps of its door between frames


T0 = datetime(2026, 12, 3, 8, 0, tzinfo=UTC)


def every(seconds: int, values: list[int]):
    return [(T0 + timedelta(seconds=seconds * i), v) for i, v in enumerate(values)]


def test_a_crowd_alerts_only_when_it_stays():
    above = every(30, [25] * 11)  # five minutes above 20, a count every 30 s
    assert alerts.crowd_sustained(above, now=T0 + timedelta(minutes=5), threshold=20, sustain_minutes=5)
    dip = every(30, [25] * 5 + [18] + [25] * 5)
    assert not alerts.crowd_sustained(dip, now=T0 + timedelta(minutes=5), threshold=20, sustain_minutes=5)
    short = every(30, [25] * 11)[-4:]  # only the last 90 seconds were seen
    assert not alerts.crowd_sustained(short, now=T0 + timedelta(minutes=5), threshold=20, sustain_minutes=5)
    gap = [p for i, p in enumerate(above) if i not in (4, 5, 6, 7, 8)]  # three minutes without a reading
    assert not alerts.crowd_sustained(gap, now=T0 + timedelta(minutes=5), threshold=20, sustain_minutes=5)
    assert not alerts.crowd_sustained([], now=T0, threshold=20, sustain_minutes=5)


def test_at_most_one_alert_per_period():
    assert alerts.alert_allowed(last_alert_at=None, now=T0, every_minutes=15)
    assert not alerts.alert_allowed(last_alert_at=T0 - timedelta(minutes=14), now=T0, every_minutes=15)
    assert alerts.alert_allowed(last_alert_at=T0 - timedelta(minutes=15), now=T0, every_minutes=15)


def test_thumbnails_of_any_region_are_the_same_size():
    frame = np.zeros((1080, 1920), np.uint8)
    assert len(vision.door_thumbnail(frame, (0, 0, 0.01, 0.01))) == len(
        vision.door_thumbnail(frame, vision.WHOLE)
    )
