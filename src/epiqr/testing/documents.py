"""Tube manifest for transport to the lab, as CSV and as PDF (DejaVu fonts for Vietnamese) with each
tube's barcode drawn to be scanned."""

from pathlib import Path

from django.utils.translation import gettext as _

from epiqr.core.export import Sheet
from epiqr.core.qr import code128_modules, dark_runs, qr_modules
from epiqr.core.timeutil import local, now

from .models import SamplingSession, TubeStatus
from .selectors import session_counts, session_tubes

FONTS = Path(__file__).resolve().parent.parent / "fonts"


def _fmt(dt) -> str:
    return local(dt).strftime("%d/%m/%Y %H:%M") if dt else ""


def manifest_rows(*, session: SamplingSession) -> list[list[str]]:
    rows = []
    for n, tube in enumerate(session_tubes(session=session), start=1):
        rows.append(
            [
                str(n),
                tube.barcode,
                str(tube.member_count),
                TubeStatus(tube.status).label,
                _fmt(tube.closed_at),
            ]
        )
    return rows


def manifest_sheet(*, session: SamplingSession) -> Sheet:
    """The manifest as a sheet for the shared export writer: two summary rows, then one row per tube."""
    counts = session_counts(session=session)
    top = [
        ["session", session.pk, str(session.site), session.team, session.day.isoformat(), session.kind],
        ["tubes", counts.tubes, "people", counts.people, "open", counts.open],
    ]
    return Sheet(
        title=f"manifest-{session.pk}",
        header=["no", "barcode", "people", "status", "closed_at"],
        rows=manifest_rows(session=session),
        preamble=top,
    )


# The manifest's tube barcodes are read by the lab's and the station's scanners: Code 128 with bars no
# narrower than a common handheld scanner resolves (0.25 mm), ten bar widths of white on each side; a
# barcode too long for that in its column is drawn as a QR code instead (2D scanners and the station's
# camera read both).
_WIDTHS = (10, 92, 18, 38, 32)  # mm: #, tube barcode, people, status, closed at (A4 less 10 mm margins)
_ROW_MM = 17.0
_BAR_MM = 10.0
_MIN_MODULE_MM = 0.25
_MAX_MODULE_MM = 0.5
_QUIET_MODULES = 10
_QR_MM = 14.0
_BOTTOM_MM = 297 - 15


def _fill_modules(pdf, rows: list[str], *, x: float, y: float, w: float, h: float) -> None:
    """Dark modules ("1") as filled rectangles of w x h mm, one per horizontal run: sharp when printed."""
    pdf.set_fill_color(0, 0, 0)
    for r, row in enumerate(rows):
        for start, length in dark_runs(row):
            pdf.rect(x + start * w, y + r * h, length * w, h + (0.01 if len(rows) > 1 else 0), style="F")


def _tube_code(pdf, barcode: str, *, x: float, y: float, width: float) -> None:
    """The tube's barcode drawn in a cell whose top-left corner is (x, y), its text under or beside it."""
    bars = code128_modules(barcode)
    module = min(_MAX_MODULE_MM, width / (len(bars) + 2 * _QUIET_MODULES))
    pdf.set_font("DejaVu", "", 9)
    if module >= _MIN_MODULE_MM:
        left = x + (width - len(bars) * module) / 2
        _fill_modules(pdf, [bars], x=left, y=y + 1.5, w=module, h=_BAR_MM)
        pdf.set_xy(x, y + 2 + _BAR_MM)
        pdf.cell(width, 4, barcode, align="C")
        return
    rows = qr_modules(barcode)
    side = _QR_MM / len(rows)
    _fill_modules(pdf, rows, x=x + 2, y=y + (_ROW_MM - _QR_MM) / 2, w=side, h=side)
    pdf.set_xy(x + _QR_MM + 4, y + (_ROW_MM - 4) / 2)
    pdf.multi_cell(width - _QR_MM - 5, 4, barcode)


def manifest_pdf(*, session: SamplingSession) -> bytes:
    """The sheet that travels with the tubes: the session's counts, then one row per tube with its
    barcode drawn to be scanned at the lab (the table continues on as many pages as needed)."""
    from fpdf import FPDF

    pdf = FPDF(format="A4")
    pdf.add_font("DejaVu", "", str(FONTS / "DejaVuSans.ttf"))
    pdf.add_font("DejaVu", "B", str(FONTS / "DejaVuSans-Bold.ttf"))
    pdf.set_margins(10, 10, 10)
    pdf.set_auto_page_break(auto=False)
    pdf.add_page()
    pdf.set_font("DejaVu", "B", 14)
    pdf.cell(0, 8, _("Tube manifest"), new_x="LMARGIN", new_y="NEXT")
    pdf.set_font("DejaVu", "", 10)
    counts = session_counts(session=session)
    site = _("Site")
    team, day, kind = _("Team"), _("Day"), _("Test kind")
    tubes, people, pooled, still_open = _("Tubes"), _("People sampled"), _("Pooled tubes"), _("Still open")
    printed = _("Printed")
    lines = [
        f"{site}: {session.site.name} — {session.site.commune.name}",
        f"{team}: {session.team}   {day}: {session.day:%d/%m/%Y}   {kind}: {session.get_kind_display()}",
        f"{tubes}: {counts.tubes}   {people}: {counts.people}   {pooled}: {counts.pooled_tubes}   "
        f"{still_open}: {counts.open}",
        f"{printed}: {_fmt(now())}",
    ]
    for line in lines:
        pdf.multi_cell(0, 6, line, new_x="LMARGIN", new_y="NEXT")
    pdf.ln(2)
    headers = ("#", _("Tube barcode"), _("People"), _("Status"), _("Closed at"))

    def header_row() -> None:
        pdf.set_font("DejaVu", "B", 10)
        for w, h in zip(_WIDTHS, headers, strict=True):
            pdf.cell(w, 7, h, border=1)
        pdf.ln()

    header_row()
    for row in manifest_rows(session=session):
        if pdf.get_y() + _ROW_MM > _BOTTOM_MM:
            pdf.add_page()
            header_row()
        y, x = pdf.get_y(), pdf.l_margin
        for w, value in zip(_WIDTHS, row, strict=True):
            pdf.rect(x, y, w, _ROW_MM)
            if w == _WIDTHS[1]:
                _tube_code(pdf, value, x=x, y=y, width=w)
            else:
                pdf.set_font("DejaVu", "", 10)
                pdf.set_xy(x, y)
                pdf.multi_cell(w, 5, value, padding=(1, 1, 0, 1))
            x += w
        pdf.set_xy(pdf.l_margin, y + _ROW_MM)
    if pdf.get_y() + 14 > _BOTTOM_MM:
        pdf.add_page()
    pdf.ln(6)
    pdf.set_font("DejaVu", "", 10)
    pdf.cell(0, 6, _("Handed over by: ....................   Received by the lab: ...................."))
    return bytes(pdf.output())
