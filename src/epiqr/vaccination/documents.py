"""The certificate as a bilingual A4 PDF (Vietnamese first, English under it) with its QR code drawn as
rectangles so that it prints sharp; DejaVu fonts carry the diacritics."""

from datetime import datetime
from pathlib import Path

from fpdf import FPDF

from epiqr.core.qr import dark_runs, qr_modules
from epiqr.core.timeutil import local

from . import dcc
from .schedules import PRODUCTS

FONTS = Path(__file__).resolve().parent.parent / "fonts"
TITLES = {
    "v": ("CHỨNG NHẬN TIÊM CHỦNG COVID-19", "COVID-19 vaccination certificate (EU DCC format)"),
    "t": ("CHỨNG NHẬN XÉT NGHIỆM COVID-19", "COVID-19 test certificate (EU DCC format)"),
    "r": ("CHỨNG NHẬN KHỎI BỆNH COVID-19", "COVID-19 recovery certificate (EU DCC format)"),
}
TEST_TYPES = {"LP6464-4": "RT-PCR", "LP217198-3": "Test nhanh kháng nguyên / Rapid antigen"}
QR_MM = 90.0  # a DCC of ~500 characters is a version 13-15 symbol: 0.9 mm modules at 90 mm


def certificate_pdf(*, certificate) -> bytes:
    pdf = FPDF(format="A4")
    pdf.add_font("DejaVu", "", str(FONTS / "DejaVuSans.ttf"))
    pdf.add_font("DejaVu", "B", str(FONTS / "DejaVuSans-Bold.ttf"))
    pdf.set_margins(15, 15, 15)
    pdf.set_auto_page_break(auto=False)
    pdf.add_page()
    title_vi, title_en = TITLES.get(certificate.kind, TITLES["v"])
    pdf.set_font("DejaVu", "B", 16)
    pdf.cell(0, 8, title_vi, align="C", new_x="LMARGIN", new_y="NEXT")
    pdf.set_font("DejaVu", "", 11)
    pdf.cell(0, 6, title_en, align="C", new_x="LMARGIN", new_y="NEXT")
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


def _day(iso: str) -> str:
    """dd/mm/yyyy of an ISO date or date-time ("" when it is not one)."""
    try:
        return datetime.fromisoformat(iso).strftime("%d/%m/%Y")
    except (TypeError, ValueError):
        return ""


def pdf_rows(certificate) -> list[tuple[str, str, str]]:
    person, dose = certificate.person, certificate.dose
    born = person.birth_date.strftime("%d/%m/%Y") if person.birth_date else str(person.birth_year or "")
    rows = [("Họ và tên", "Name", person.full_name), ("Ngày sinh", "Date of birth", born)]
    if certificate.kind in ("t", "r"):
        entry = dcc.decode(certificate.code).hcert[certificate.kind][0]  # what the signed code states
        if certificate.kind == "t":
            sampled = datetime.fromisoformat(entry["sc"])
            rows += [
                ("Loại xét nghiệm", "Type of test", TEST_TYPES.get(entry.get("tt"), entry.get("tt", ""))),
                ("Thời điểm lấy mẫu", "Sample taken", local(sampled).strftime("%d/%m/%Y %H:%M")),
                ("Kết quả", "Result", "Âm tính / Negative (not detected)"),
                ("Nơi xét nghiệm", "Testing centre", entry.get("tc", "")),
            ]
        else:
            rows += [
                ("Ngày xét nghiệm dương tính", "First positive test", _day(entry.get("fr"))),
                ("Có giá trị từ", "Valid from", _day(entry.get("df"))),
            ]
        rows += [("Nước", "Country", entry.get("co", ""))]
    else:
        product = PRODUCTS.get(dose.product) if dose else None
        rows += [
            ("Vắc xin", "Vaccine", product.name if product else ""),
            ("Mũi số", "Dose", f"{dose.number}/{max(dose.series_doses, dose.number)}" if dose else ""),
            ("Ngày tiêm", "Date of vaccination", local(dose.given_at).strftime("%d/%m/%Y") if dose else ""),
            ("Nước tiêm", "Country", dose.country if dose else ""),
        ]
    return rows + [
        ("Có giá trị đến", "Valid until", local(certificate.expires_at).strftime("%d/%m/%Y %H:%M")),
        ("Mã chứng nhận", "Certificate identifier", certificate.uvci),
    ]
