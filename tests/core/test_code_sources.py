"""Every place in the code that draws a QR code or a barcode has a test that renders it and reads it
back (tests/codes.py:CODE_SOURCES); a new one without is a failure here, not a poster nobody can scan."""

import re
from pathlib import Path

from tests.codes import CODE_SOURCES

ROOT = Path(__file__).resolve().parents[2]
SRC = ROOT / "src"
# What drawing a code looks like in our source: segno directly, or one of core.qr's drawing functions.
DRAWS = re.compile(
    r"\bsegno\.make\(|\b(draw_png|draw_svg|draw_image|svg_inline|qr_modules|code128_modules)\("
)
READERS = re.compile(r"\b(pdf_codes|image_codes|element_codes|screen_codes|decode)\(")


def drawing_places() -> set[str]:
    places = set()
    for path in (SRC / "epiqr").rglob("*.py"):
        relative = path.relative_to(SRC).as_posix()
        if relative == "epiqr/core/qr.py":
            continue  # the drawing functions themselves: tests/core/test_qr.py
        if DRAWS.search(path.read_text(encoding="utf-8")):
            places.add(relative)
    return places


def test_every_place_that_draws_a_code_has_a_render_and_decode_test():
    missing = drawing_places() - set(CODE_SOURCES)
    assert not missing, f"add these to tests/codes.py:CODE_SOURCES with the test that reads them: {missing}"


def test_each_named_test_reads_codes_back_with_the_shared_helpers():
    for source, test_file in CODE_SOURCES.items():
        text = (ROOT / test_file).read_text(encoding="utf-8")
        assert "tests.codes" in text and READERS.search(text), f"{test_file} does not read back {source}"


def test_no_stale_entries():
    stale = set(CODE_SOURCES) - drawing_places()
    assert not stale, f"these no longer draw a code; remove them from CODE_SOURCES: {stale}"
