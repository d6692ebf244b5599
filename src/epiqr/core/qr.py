"""Drawing QR codes (segno) and reading them back from images (zxing-cpp)."""

import io

import segno
import zxingcpp
from PIL import Image


def draw_png(data: str, *, scale: int = 10, border: int = 4, error: str = "m") -> bytes:
    out = io.BytesIO()
    segno.make(data, error=error, micro=False).save(out, kind="png", scale=scale, border=border)
    return out.getvalue()


def draw_svg(data: str, *, scale: int = 10, border: int = 4, error: str = "m") -> str:
    out = io.BytesIO()
    segno.make(data, error=error, micro=False).save(
        out, kind="svg", scale=scale, border=border, xmldecl=False
    )
    return out.getvalue().decode()


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
