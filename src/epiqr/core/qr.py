"""Drawing codes (segno for QR, zxing-cpp for Code 128) and reading them back from images (zxing-cpp).

Every code EpiQR prints or shows has a render-and-decode test (tests/codes.py); a new place that draws
one is listed in tests/codes.py:CODE_SOURCES with the test that reads it back.
"""

import io
from html import escape

import segno
import zxingcpp
from PIL import Image


def draw_png(data: str, *, scale: int = 10, border: int = 4, error: str = "m") -> bytes:
    out = io.BytesIO()
    segno.make(data, error=error, micro=False).save(out, kind="png", scale=scale, border=border)
    return out.getvalue()


def draw_svg(data: str, *, scale: int = 10, border: int = 4, error: str = "m") -> str:
    """An SVG of fixed pixel size (scale pixels per module): for files, not for pages (see svg_inline)."""
    out = io.BytesIO()
    segno.make(data, error=error, micro=False).save(
        out, kind="svg", scale=scale, border=border, xmldecl=False
    )
    return out.getvalue().decode()


def svg_inline(data: str, *, border: int = 4, error: str = "m", label: str = "") -> str:
    """An SVG for a page: a viewBox and no pixel size, so it fills whatever box CSS gives it (a fixed-size
    SVG squeezed by CSS is cropped, not scaled) with white quiet zone of `border` modules included."""
    svg = segno.make(data, error=error, micro=False).svg_inline(
        scale=1, border=border, omitsize=True, light="#fff", svgclass="qr", lineclass=None
    )
    if label:
        svg = svg.replace("<svg ", f'<svg role="img" aria-label="{escape(label)}" ', 1)
    return svg


def qr_modules(data: str, *, error: str = "m") -> list[str]:
    """The QR symbol's rows, one character per module ("1" dark), quiet zone excluded."""
    code = segno.make(data, error=error, micro=False)
    return ["".join("1" if dark else "0" for dark in row) for row in code.matrix]


def dark_runs(row: str):
    """(first module, length) of each run of dark modules ("1") in a row: one rectangle per run."""
    column = 0
    while column < len(row):
        if row[column] == "1":
            start = column
            while column < len(row) and row[column] == "1":
                column += 1
            yield start, column - start
        else:
            column += 1


def code128_modules(text: str) -> str:
    """The bars and spaces of a Code 128 symbol for `text` (ASCII), one character per module: "1" bar,
    "0" space, quiet zones excluded. Drawn as rectangles by the PDF writers, so it stays sharp."""
    import numpy as np

    barcode = zxingcpp.create_barcode(text, zxingcpp.BarcodeFormat.Code128)
    row = np.asarray(barcode.to_image(scale=1, add_quiet_zones=False))[0]
    return "".join("1" if value < 128 else "0" for value in row)


def draw_image(data: str, *, scale: int = 10, border: int = 4, error: str = "m") -> Image.Image:
    return Image.open(io.BytesIO(draw_png(data, scale=scale, border=border, error=error))).convert("L")


def read_image(image: Image.Image) -> list[str]:
    """All barcodes (QR, Code128, ...) found in an image, as text."""
    return [r.text for r in zxingcpp.read_barcodes(image) if r.valid]


def read_bytes(blob: bytes) -> list[str]:
    """Decode barcodes from an uploaded photo; an unreadable file yields no codes, not an error."""
    try:
        image = Image.open(io.BytesIO(blob))
        image.load()
    except Exception:  # noqa: BLE001 - any undecodable upload is simply "no code found"
        return []
    return read_image(image.convert("L"))
