"""The movement permit to print: one A5 page per permit (DejaVu fonts for Vietnamese), its signed QR
drawn as vector rectangles 60 mm wide (about 1.2 mm a module at QR version 8: read from paper at arm's
length or from a photo of it on a cheap phone)."""

from __future__ import annotations

from pathlib import Path

from django.utils.translation import gettext as _

from epiqr.core.qr import dark_runs, qr_modules
from epiqr.core.timeutil import local
from epiqr.geo.models import Commune, Province

from .models import Permit
from .schedule import hours_text, weekdays_text

FONTS = Path(__file__).resolve().parent.parent / "fonts"
QR_MM = 60.0
QR_ERROR = "m"


def area_names(permit: Permit) -> str:
    names = [p.name for p in Province.objects.filter(code__in=permit.area_provinces).order_by("name")]
    names += [
        str(c) for c in Commune.objects.filter(code__in=permit.area_communes).select_related("province")
    ]
    return "; ".join(names) or _("Everywhere")


def permit_lines(permit: Permit) -> list[tuple[str, str]]:
    return [
        (_("Permit number"), str(permit.pk)),
        (_("Full name"), permit.holder_name),
        (_("ID number"), permit.holder_id_number),
        (_("Organisation"), permit.organisation.name),
        (_("Purpose"), permit.get_purpose_display()),
        (_("Valid"), f"{permit.valid_from:%d/%m/%Y} – {permit.valid_until:%d/%m/%Y}"),
        (_("Days"), weekdays_text(permit.weekdays)),
        (_("Hours"), hours_text(permit.start_minute, permit.end_minute)),
        (_("Area"), area_names(permit)),
        (_("Vehicle plate"), permit.plate or "—"),
    ]


def permits_pdf(*, permits: list[Permit]) -> bytes:
    """One A5 page per approved permit (a revoked one is printed with REVOKED across it, for the file)."""
    from fpdf import FPDF

    pdf = FPDF(format=(148, 210))  # A5 in millimetres
    pdf.add_font("DejaVu", "", str(FONTS / "DejaVuSans.ttf"))
    pdf.add_font("DejaVu", "B", str(FONTS / "DejaVuSans-Bold.ttf"))
    pdf.set_margins(12, 12, 12)
    pdf.set_auto_page_break(auto=False)
    for permit in permits:
        pdf.add_page()
        pdf.set_font("DejaVu", "B", 15)
        pdf.cell(0, 8, _("MOVEMENT PERMIT"), align="C", new_x="LMARGIN", new_y="NEXT")
        pdf.set_font("DejaVu", "", 9)
        decided = local(permit.decided_at).strftime("%d/%m/%Y") if permit.decided_at else ""
        pdf.cell(0, 5, _("Approved on %(day)s") % {"day": decided}, align="C", new_x="LMARGIN", new_y="NEXT")
        pdf.ln(2)
        rows = qr_modules(permit.payload, error=QR_ERROR)
        module = QR_MM / len(rows)
        left = (148 - QR_MM) / 2
        top = pdf.get_y() + 2
        pdf.set_fill_color(0, 0, 0)
        for r, row in enumerate(rows):
            for start, length in dark_runs(row):
                pdf.rect(left + start * module, top + r * module, length * module, module + 0.01, style="F")
        pdf.set_y(top + QR_MM + 4)
        for label, value in permit_lines(permit):
            pdf.set_font("DejaVu", "", 9)
            pdf.cell(34, 6, label)
            pdf.set_font("DejaVu", "B", 10)
            pdf.multi_cell(0, 6, value, new_x="LMARGIN", new_y="NEXT")
        pdf.ln(2)
        pdf.set_font("DejaVu", "", 8)
        pdf.multi_cell(
            0,
            4,
            _(
                "Show this permit with your ID card at checkpoints. The QR code is signed: a checkpoint checks "
                "it without a network, and a copy with anything changed is refused."
            ),
            new_x="LMARGIN",
            new_y="NEXT",
        )
        if permit.status == "revoked":
            pdf.set_text_color(200, 0, 0)
            pdf.set_font("DejaVu", "B", 40)
            pdf.set_xy(12, 90)
            pdf.cell(124, 20, _("REVOKED"), align="C")
            pdf.set_text_color(0, 0, 0)
    return bytes(pdf.output())
