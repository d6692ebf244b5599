"""The demo's drawn camera frames carry readable codes (what the demo's checkpoint camera reads)."""

import random

from PIL import Image

from epiqr.cameras.demo import _street, _with_codes
from tests.codes import assert_codes, decode

TEXTS = ["GD1:" + "0123456789ABCDEFGHIJ" * 9, "EPIQR1:demo", "GD1:" + "KLMNOPQRST" * 18]


def test_the_demo_frame_reads_back():
    frame = _with_codes(_street(random.Random(3)), TEXTS)
    assert frame.shape == (1080, 1920)
    assert_codes(decode(Image.fromarray(frame)), TEXTS)
