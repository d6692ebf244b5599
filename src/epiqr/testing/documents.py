"""Tube manifest for transport to the lab, as CSV and as PDF (DejaVu fonts for Vietnamese)."""

from pathlib import Path

from django.utils.translation import gettext as _

from epiqr.core.export import Sheet
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


def manifest_pdf(*, session: SamplingSession) -> bytes:
    from fpdf import FPDF

    pdf = FPDF(format="A4")
    pdf.add_font("DejaVu", "", str(FONTS / "DejaVuSans.ttf"))
    pdf.add_font("DejaVu", "B", str(FONTS / "DejaVuSans-Bold.ttf"))
    pdf.set_auto_page_break(auto=True, margin=15)
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
    widths = (12, 60, 22, 56, 40)
    headers = ("#", _("Tube barcode"), _("People"), _("Status"), _("Closed at"))
    pdf.set_font("DejaVu", "B", 10)
    for w, h in zip(widths, headers, strict=True):
        pdf.cell(w, 7, h, border=1)
    pdf.ln()
    pdf.set_font("DejaVu", "", 10)
    for row in manifest_rows(session=session):
        for w, value in zip(widths, row, strict=True):
            pdf.cell(w, 6, value, border=1)
        pdf.ln()
    pdf.ln(6)
    pdf.cell(0, 6, _("Handed over by: ....................   Received by the lab: ...................."))
    return bytes(pdf.output())
