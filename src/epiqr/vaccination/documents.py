"""The certificate as a bilingual A4 PDF (Vietnamese first, English under it) with its QR code drawn as
rectangles so that it prints sharp; DejaVu fonts carry the diacritics."""

from pathlib import Path

from epiqr.core.qr import dark_runs, qr_modules
from epiqr.core.timeutil import local

from .schedules import PRODUCTS

FONTS = Path(__file__).resolve().parent.parent / "fonts"
QR_MM = 90.0  # a DCC of ~500 characters is a version 13-15 symbol: 0.9 mm modules at 90 mm


def certificate_pdf(*, certificate) -> bytes:
    from fpdf import FPDF

    pdf = FPDF(format="A4")
    pdf.add_font("DejaVu", "", str(FONTS / "DejaVuSans.ttf"))
    pdf.add_font("DejaVu", "B", str(FONTS / "DejaVuSans-Bold.ttf"))
    pdf.set_margins(15, 15, 15)
    pdf.set_auto_page_break(auto=False)
    pdf.add_page()
    pdf.set_font("DejaVu", "B", 16)
    pdf.cell(0, 8, "CHỨNG NHẬN TIÊM CHỦNG COVID-19", align="C", new_x="LMARGIN", new_y="NEXT")
    pdf.set_font("DejaVu", "", 11)
    pdf.cell(
        0, 6, "COVID-19 vaccination certificate (EU DCC format)", align="C", new_x="LMARGIN", new_y="NEXT"
    )
    rows = pdf_rows(certificate)
    pdf.ln(4)
    for vi, en, value in rows:
        pdf.set_font("DejaVu", "B", 10)
        pdf.cell(70, 6, vi)
        pdf.set_font("DejaVu", "", 11)
        pdf.multi_cell(0, 6, value, new_x="LMARGIN", new_y="NEXT")
        pdf.set_font("DejaVu", "", 8)
        pdf.set_text_color(90, 90, 90)
        pdf.cell(70, 4, en, new_x="LMARGIN", new_y="NEXT")
        pdf.set_text_color(0, 0, 0)
    modules = qr_modules(certificate.code, error="q")
    side = QR_MM / len(modules)
    x, y = (210 - QR_MM) / 2, max(pdf.get_y() + 6, 150.0)
    pdf.set_fill_color(0, 0, 0)
    for r, row in enumerate(modules):
        for start, length in dark_runs(row):
            pdf.rect(x + start * side, y + r * side, length * side, side + 0.01, style="F")
    pdf.set_xy(15, y + QR_MM + 4)
    pdf.set_font("DejaVu", "", 8)
    pdf.multi_cell(
        0,
        4,
        "Kiểm tra mã tại trang xác minh chứng nhận hoặc bằng ứng dụng đọc chứng nhận EU DCC. "
        "Scan with any EU DCC verifier or the EpiQR verification page.",
        align="C",
    )
    return bytes(pdf.output())


def pdf_rows(certificate) -> list[tuple[str, str, str]]:
    person, dose = certificate.person, certificate.dose
    product = PRODUCTS.get(dose.product) if dose else None
    born = person.birth_date.strftime("%d/%m/%Y") if person.birth_date else str(person.birth_year or "")
    return [
        ("Họ và tên", "Name", person.full_name),
        ("Ngày sinh", "Date of birth", born),
        ("Vắc xin", "Vaccine", product.name if product else ""),
        ("Mũi số", "Dose", f"{dose.number}/{max(dose.series_doses, dose.number)}" if dose else ""),
        ("Ngày tiêm", "Date of vaccination", local(dose.given_at).strftime("%d/%m/%Y") if dose else ""),
        ("Nước tiêm", "Country", dose.country if dose else ""),
        ("Có giá trị đến", "Valid until", local(certificate.expires_at).strftime("%d/%m/%Y")),
        ("Mã chứng nhận", "Certificate identifier", certificate.uvci),
    ]
