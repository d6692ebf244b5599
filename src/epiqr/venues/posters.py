"""Printable venue posters: PDF (A4, A5, one page per venue in a batch) and PNG.

The layout is computed once in millimetres as a list of drawing operations (`poster_layout`), then
drawn by either renderer, so the PDF and the PNG look the same. Text is measured with the DejaVu font
shipped in `epiqr/fonts` (it has every Vietnamese precomposed letter) and wrapped to fit. The QR code
is drawn as vector rectangles in the PDF, so it stays sharp at any printer resolution; on A4 its modules
span 160 mm (>= the 15 cm asked of a poster seen from a queue), scaled down proportionally on A5.
"""

import io
import unicodedata
from dataclasses import dataclass
from functools import cache
from pathlib import Path

import segno
from django.conf import settings
from django.utils import translation
from PIL import Image, ImageDraw, ImageFont

from epiqr.core.timeutil import local

from .codes import code_display
from .models import Sector, Venue
from .selectors import code_entry_address

FONT_DIR = Path(__file__).resolve().parent.parent / "fonts"
FONTS = {False: FONT_DIR / "DejaVuSans.ttf", True: FONT_DIR / "DejaVuSans-Bold.ttf"}
PAGE_SIZES = {"A4": (210.0, 297.0), "A5": (148.0, 210.0)}
QR_SIDE_A4_MM = 160.0  # the modules alone; the quiet zone is the white page around them
QR_ERROR = "q"  # 25% recovery: a poster survives rain, tape and a torn corner
BRAND = (11, 110, 79)
BLACK = (0, 0, 0)
GREY = (70, 70, 70)
WHITE = (255, 255, 255)
PT_TO_MM = 25.4 / 72


@dataclass(frozen=True)
class Text:
    x: float  # left edge, mm
    y: float  # top of the line, mm
    text: str
    size: float  # points
    bold: bool = False
    color: tuple = BLACK


@dataclass(frozen=True)
class Box:
    x: float
    y: float
    w: float
    h: float
    color: tuple = BLACK


@dataclass(frozen=True)
class QR:
    x: float
    y: float
    side: float  # mm, the module area
    matrix: tuple  # rows of 0/1


@dataclass(frozen=True)
class Layout:
    width: float
    height: float
    items: tuple


@cache
def _measure_font(bold: bool) -> ImageFont.FreeTypeFont:
    return ImageFont.truetype(str(FONTS[bold]), 1000)


def text_width_mm(text: str, size: float, bold: bool = False) -> float:
    return _measure_font(bold).getlength(text) / 1000 * size * PT_TO_MM


def _nfc(text: str) -> str:
    return unicodedata.normalize("NFC", text or "")


def wrap(text: str, *, size: float, bold: bool, width: float) -> list[str]:
    """Greedy word wrap to a width in mm; a single over-long word is cut by characters."""
    lines: list[str] = []
    current = ""
    for word in _nfc(text).split():
        trial = f"{current} {word}".strip()
        if text_width_mm(trial, size, bold) <= width:
            current = trial
            continue
        if current:
            lines.append(current)
        while text_width_mm(word, size, bold) > width:
            cut = len(word)
            while cut > 1 and text_width_mm(word[:cut], size, bold) > width:
                cut -= 1
            lines.append(word[:cut])
            word = word[cut:]
        current = word
    if current:
        lines.append(current)
    return lines


def fit(text: str, *, size: float, bold: bool, width: float, max_lines: int, min_size: float) -> tuple:
    """The largest size (down to min_size) at which the text wraps into max_lines; then the lines."""
    while size > min_size:
        lines = wrap(text, size=size, bold=bold, width=width)
        if len(lines) <= max_lines:
            return size, lines
        size -= 1
    lines = wrap(text, size=min_size, bold=bold, width=width)
    if len(lines) > max_lines:
        lines = lines[:max_lines]
        lines[-1] = lines[-1].rstrip(" .,") + "…"
    return min_size, lines


def qr_matrix(url: str) -> tuple:
    code = segno.make(url, error=QR_ERROR, micro=False)
    return tuple(tuple(1 if dark else 0 for dark in row) for row in code.matrix)


def _centered(items: list, lines: list[str], *, y: float, size: float, bold: bool, color, page_w, lead=1.25):
    step = size * PT_TO_MM * lead
    for line in lines:
        items.append(Text((page_w - text_width_mm(line, size, bold)) / 2, y, line, size, bold, color))
        y += step
    return y


def _agency_vi(venue: Venue) -> tuple[str, str]:
    with translation.override("vi"):
        vi = venue.agency, str(Sector(venue.sector).label) if venue.sector in Sector.values else ""
    return vi


def poster_layout(*, venue: Venue, url: str, size: str = "A4") -> Layout:
    """Everything on one poster, positioned in millimetres for the page size."""
    if size not in PAGE_SIZES:
        raise ValueError(f"unknown poster size {size!r}")
    page_w, page_h = PAGE_SIZES[size]
    k = page_w / PAGE_SIZES["A4"][0]  # A5 is the A4 layout scaled down
    margin = 14 * k
    text_w = page_w - 2 * margin
    items: list = []

    # Header band: what to do, in Vietnamese then English.
    items.append(Box(0, 0, page_w, 30 * k, BRAND))
    y = _centered(items, ["QUÉT MÃ ĐỂ KHAI BÁO"], y=5 * k, size=26 * k, bold=True, color=WHITE, page_w=page_w)
    _centered(
        items,
        ["Scan to check in · Không cần cài ứng dụng / No app needed"],
        y=y + 1.5 * k,
        size=11 * k,
        bold=False,
        color=WHITE,
        page_w=page_w,
    )

    # Venue name and address: the biggest text after the QR, shrunk to fit two lines.
    name_size, name_lines = fit(
        venue.name, size=26 * k, bold=True, width=text_w, max_lines=2, min_size=14 * k
    )
    y = _centered(
        items, name_lines, y=35 * k, size=name_size, bold=True, color=BLACK, page_w=page_w, lead=1.15
    )
    place = venue.address
    commune = getattr(venue, "commune", None)
    if commune is not None:
        place = f"{place}, {commune.name}, {commune.province.name}"
    addr_size, addr_lines = fit(place, size=12 * k, bold=False, width=text_w, max_lines=2, min_size=9 * k)
    y = _centered(items, addr_lines, y=y + 1 * k, size=addr_size, bold=False, color=GREY, page_w=page_w)

    # The QR code, centred, with white around it: 3+ modules above, 4+ on the sides (page margin).
    side = QR_SIDE_A4_MM * k
    matrix = qr_matrix(url)
    qr_top = max(68 * k, y + 3 * side / len(matrix))
    items.append(QR((page_w - side) / 2, qr_top, side, matrix))

    y = qr_top + side + 4 * k
    y = _centered(
        items,
        ["Mở camera điện thoại và quét mã để khai báo khi vào địa điểm."],
        y=y,
        size=11 * k,
        bold=False,
        color=BLACK,
        page_w=page_w,
    )
    y = _centered(
        items,
        ["Open your phone camera and scan when you enter."],
        y=y,
        size=10 * k,
        bold=False,
        color=GREY,
        page_w=page_w,
    )

    # The code for people who cannot scan, large and grouped for reading aloud.
    code_line = f"Mã địa điểm / Venue code:  {code_display(venue.code)}"
    y = _centered(items, [code_line], y=y + 2.5 * k, size=20 * k, bold=True, color=BRAND, page_w=page_w)
    address = code_entry_address()
    help_line = f"Không quét được? Vào {address} và nhập mã / Can't scan? Enter the code at {address}"
    help_size, help_lines = fit(
        help_line, size=8.5 * k, bold=False, width=text_w, max_lines=2, min_size=7 * k
    )
    y = _centered(items, help_lines, y=y, size=help_size, bold=False, color=GREY, page_w=page_w)

    agency, sector = _agency_vi(venue)
    info = f"Loại hình: {sector} · Cơ quan quản lý / Responsible agency: {agency}"
    if venue.starts_at and venue.ends_at:
        info += (
            f" · Thời gian: {local(venue.starts_at):%d/%m/%Y %H:%M} – {local(venue.ends_at):%d/%m/%Y %H:%M}"
        )
    info_size, info_lines = fit(info, size=9 * k, bold=False, width=text_w, max_lines=2, min_size=7 * k)
    _centered(items, info_lines, y=y + 1.5 * k, size=info_size, bold=False, color=BLACK, page_w=page_w)

    footer = f"EpiQR · Đường dây nóng / Hotline {settings.EPIQR_HOTLINE} · Bản in số / Print no. {venue.token_generation}"
    _centered(items, [footer], y=page_h - 8 * k, size=7.5 * k, bold=False, color=GREY, page_w=page_w)
    return Layout(page_w, page_h, tuple(items))


def _qr_runs(matrix: tuple):
    """Horizontal runs of dark modules: (row, first column, length). Fewer, larger rectangles."""
    for r, row in enumerate(matrix):
        c = 0
        while c < len(row):
            if row[c]:
                start = c
                while c < len(row) and row[c]:
                    c += 1
                yield r, start, c - start
            else:
                c += 1


def _new_pdf():
    from fpdf import FPDF

    pdf = FPDF(unit="mm", format="A4")
    pdf.set_auto_page_break(False)
    pdf.set_margins(0, 0, 0)
    pdf.add_font("DejaVu", "", str(FONTS[False]))
    pdf.add_font("DejaVu", "B", str(FONTS[True]))
    pdf.set_creator("EpiQR")
    return pdf


def _draw_pdf_page(pdf, layout: Layout) -> None:
    pdf.add_page(format=(layout.width, layout.height))
    for item in layout.items:
        if isinstance(item, Box):
            pdf.set_fill_color(*item.color)
            pdf.rect(item.x, item.y, item.w, item.h, style="F")
        elif isinstance(item, Text):
            pdf.set_font("DejaVu", "B" if item.bold else "", item.size)
            pdf.set_text_color(*item.color)
            # fpdf's text() takes the baseline; our y is the top of the line box.
            pdf.text(item.x, item.y + item.size * PT_TO_MM * 0.95, item.text)
        elif isinstance(item, QR):
            module = item.side / len(item.matrix)
            pdf.set_fill_color(*BLACK)
            for r, c, n in _qr_runs(item.matrix):
                # A hair of overlap downwards hides seams between rows in anti-aliased viewers.
                pdf.rect(item.x + c * module, item.y + r * module, n * module, module + 0.02, style="F")


def posters_pdf(*, venues: list[tuple[Venue, str]], size: str = "A4", progress=None) -> bytes:
    """One PDF with one poster page per (venue, url); `progress` (core.progress) counts the pages."""
    if size not in PAGE_SIZES:
        raise ValueError(f"unknown poster size {size!r}")
    pdf = _new_pdf()
    pdf.set_title("EpiQR – áp phích mã QR")
    for venue, url in venues:
        _draw_pdf_page(pdf, poster_layout(venue=venue, url=url, size=size))
        if progress is not None:
            progress.advance()
    if not venues:
        pdf.add_page(format=PAGE_SIZES[size])
    return bytes(pdf.output())


def poster_pdf(*, venue: Venue, url: str, size: str = "A4") -> bytes:
    return posters_pdf(venues=[(venue, url)], size=size)


@cache
def _png_font(bold: bool, px: int) -> ImageFont.FreeTypeFont:
    return ImageFont.truetype(str(FONTS[bold]), px)


def poster_png(*, venue: Venue, url: str, size: str = "A4", dpi: int = 150) -> bytes:
    """The same poster as an image (for sharing in a chat or printing at a shop), `dpi` dots per inch."""
    layout = poster_layout(venue=venue, url=url, size=size)
    px = dpi / 25.4

    def p(mm: float) -> int:
        return round(mm * px)

    image = Image.new("RGB", (p(layout.width), p(layout.height)), WHITE)
    draw = ImageDraw.Draw(image)
    for item in layout.items:
        if isinstance(item, Box):
            draw.rectangle(
                [p(item.x), p(item.y), p(item.x + item.w) - 1, p(item.y + item.h) - 1], fill=item.color
            )
        elif isinstance(item, Text):
            font = _png_font(item.bold, max(1, round(item.size * PT_TO_MM * px)))
            draw.text((p(item.x), p(item.y)), item.text, font=font, fill=item.color)
        elif isinstance(item, QR):
            module = item.side / len(item.matrix)
            for r, c, n in _qr_runs(item.matrix):
                x0, y0 = p(item.x + c * module), p(item.y + r * module)
                x1, y1 = p(item.x + (c + n) * module), p(item.y + (r + 1) * module)
                draw.rectangle([x0, y0, x1 - 1, y1 - 1], fill=BLACK)
    out = io.BytesIO()
    image.save(out, format="PNG", optimize=True, dpi=(dpi, dpi))
    return out.getvalue()
