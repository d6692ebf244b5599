"""Render-and-decode: every code EpiQR prints or shows is rendered as people meet it and read back with
zxing-cpp, and the text read must be exactly what the code should carry.

One line per code, whatever the domain (certificates and permits add theirs the same way):

    assert_codes(pdf_codes(pdf_bytes, dpi=PHOTO_DPI), [[url]])       # a PDF: the codes on each page
    assert_codes(image_codes(png_bytes), [url])                       # an image as downloaded
    assert_codes(element_codes(page.locator(".qr-code")), [payload])   # what Chromium shows or prints
    (text, box), = screen_codes(page)                                 # and where it really is drawn

PDFs are rendered with pypdfium2 at a resolution a phone camera or a printer gives (the constants
below); pages and elements are screenshots of the system Chromium at the size the page lays them out.
Add the file that draws a new code to CODE_SOURCES with the test that reads it back
(tests/core/test_code_sources.py fails for a drawing place without one).
"""

import io
from collections.abc import Iterable

import pypdfium2 as pdfium
import zxingcpp
from PIL import Image, ImageOps

# Dots per inch of a PDF rendered for reading back:
PRINTER_DPI = 300  # a laser or inkjet print
PHOTO_DPI = 150  # a phone photo of a sheet held at reading distance (slips, manifests)
QUEUE_DPI = 72  # a phone camera a step or two away from a poster on a wall
SCREEN_DPI = 96  # one CSS pixel per dot: a poster previewed on a screen

# For documents whose only code is a QR code (posters, permits, certificates, personal QR): reading every
# format there once took a poster's artwork for an EAN-13 ('5270086281111'), a misread, not a code.
QR_ONLY = zxingcpp.BarcodeFormat.QRCode

# Every place in src/ that draws a code, and the test that renders it and reads it back.
CODE_SOURCES = {
    "epiqr/venues/posters.py": "tests/venues/test_posters.py",
    "epiqr/venues/views.py": "tests/venues/test_codes_render.py",
    "epiqr/checkins/views.py": "tests/checkins/test_codes_render.py",
    "epiqr/testing/views.py": "tests/testing/test_codes_render.py",
    "epiqr/testing/documents.py": "tests/testing/test_codes_render.py",
    "epiqr/people/views.py": "tests/people/test_codes_render.py",
    "epiqr/people/api.py": "tests/people/test_codes_render.py",
    "epiqr/accounts/views.py": "tests/accounts/test_codes_render.py",
    "epiqr/checkpoints/documents.py": "tests/checkpoints/test_codes_render.py",
    "epiqr/checkpoints/views.py": "tests/checkpoints/test_codes_render.py",
    "epiqr/cameras/demo.py": "tests/cameras/test_demo_frames.py",
    "epiqr/vaccination/views.py": "tests/vaccination/test_certificates.py",
    "epiqr/vaccination/documents.py": "tests/vaccination/test_certificates.py",
    "epiqr/care/documents.py": "tests/care/test_release.py",
}


def _gray(image: Image.Image) -> Image.Image:
    return image if image.mode == "L" else image.convert("L")


def decode(image: Image.Image, *, formats=None) -> list[str]:
    """The text of every code zxing-cpp finds in the image, top to bottom, left to right."""
    kwargs = {"formats": formats} if formats is not None else {}
    found = [r for r in zxingcpp.read_barcodes(_gray(image), **kwargs) if r.valid]
    found.sort(key=lambda r: (r.position.top_left.y, r.position.top_left.x))
    return [r.text for r in found]


def pdf_images(pdf: bytes, *, dpi: float) -> list[Image.Image]:
    """Each page of a PDF as a greyscale image at `dpi` dots per inch."""
    doc = pdfium.PdfDocument(pdf)
    return [_gray(doc[i].render(scale=dpi / 72).to_pil()) for i in range(len(doc))]


def pdf_codes(pdf: bytes, *, dpi: float, formats=None) -> list[list[str]]:
    """The codes read on each page of a PDF rendered at `dpi`."""
    return [decode(image, formats=formats) for image in pdf_images(pdf, dpi=dpi)]


def image_codes(blob: bytes, *, formats=None) -> list[str]:
    """The codes read in an image file (PNG, JPEG...) exactly as served."""
    return decode(Image.open(io.BytesIO(blob)), formats=formats)


def element_codes(locator, *, formats=None) -> list[str]:
    """The codes read in a Chromium screenshot of one element, at the size the page lays it out.

    A white margin is added around the shot, as the white of a page or screen around a code would be:
    a code must carry its own quiet zone only where the page around it is not light."""
    shot = Image.open(io.BytesIO(locator.screenshot()))
    return decode(ImageOps.expand(_gray(shot), border=16, fill=255), formats=formats)


def screen_codes(page) -> list[tuple[str, dict]]:
    """The codes on what the viewport shows now, each with the box its symbol covers in CSS pixels
    (x, y, width, height): where the code really is drawn, whatever box its element has."""
    shot = Image.open(io.BytesIO(page.screenshot()))
    px = shot.width / page.viewport_size["width"]  # device pixels per CSS pixel
    found = []
    for r in zxingcpp.read_barcodes(_gray(shot)):
        if r.valid:
            p = r.position
            xs = [p.top_left.x, p.top_right.x, p.bottom_left.x, p.bottom_right.x]
            ys = [p.top_left.y, p.top_right.y, p.bottom_left.y, p.bottom_right.y]
            box = {"x": min(xs) / px, "y": min(ys) / px, "width": (max(xs) - min(xs)) / px}
            box["height"] = (max(ys) - min(ys)) / px
            found.append((r.text, box))
    return found


def assert_codes(found: list, expected: list) -> None:
    """The codes read are exactly those expected (per page for a PDF); order within a page is free."""

    def norm(value):
        if isinstance(value, list) and value and isinstance(value[0], list):
            return [sorted(v) for v in value]
        return sorted(value) if isinstance(value, list) else value

    assert norm(found) == norm(expected), f"read {found!r}, expected {expected!r}"


def symbol_width_mm(image: Image.Image, *, dpi: float, text: str) -> float:
    """The printed width of the code carrying `text` in an image rendered at `dpi`."""
    for r in zxingcpp.read_barcodes(_gray(image)):
        if r.text == text:
            p = r.position
            return (max(p.top_right.x, p.bottom_right.x) - min(p.top_left.x, p.bottom_left.x)) * 25.4 / dpi
    raise AssertionError(f"no code carrying {text!r}")


def all_texts(groups: Iterable) -> list[str]:
    return [t for group in groups for t in group]
