"""The release paper (giấy xác nhận hoàn thành cách ly / release from isolation) as a bilingual A4 PDF,
Vietnamese first and English under it, with a QR code drawn as rectangles (sharp in print) holding the
verifier's address and the signed release code (care.release_code). DejaVu fonts carry the diacritics."""

from __future__ import annotations

from pathlib import Path

from fpdf import FPDF

from epiqr.core.qr import dark_runs, qr_modules

from .release_code import Release

FONTS = Path(__file__).resolve().parent.parent / "fonts"
QR_MM = 60.0  # a ~400-character address is a version 14-16 symbol at level M: ~0.75 mm modules at 60 mm


def release_pdf(*, release: Release, url: str, facility: str, commune: str) -> bytes:
    pdf = FPDF(format="A4")
    pdf.add_font("DejaVu", "", str(FONTS / "DejaVuSans.ttf"))
    pdf.add_font("DejaVu", "B", str(FONTS / "DejaVuSans-Bold.ttf"))
    pdf.set_margins(18, 18, 18)
    pdf.set_auto_page_break(auto=False)
    pdf.add_page()
    pdf.set_font("DejaVu", "B", 15)
    pdf.cell(
        0, 8, "GIẤY XÁC NHẬN HOÀN THÀNH CÁCH LY, ĐIỀU TRỊ COVID-19", align="C", new_x="LMARGIN", new_y="NEXT"
    )
    pdf.set_font("DejaVu", "", 11)
    pdf.cell(
        0,
        6,
        "Certificate of release from COVID-19 isolation and treatment",
        align="C",
        new_x="LMARGIN",
        new_y="NEXT",
    )
    pdf.ln(6)
    rows = [
        ("Họ và tên", "Full name", release.name),
        ("Năm sinh", "Year of birth", str(release.birth_year or "—")),
        ("Ngày xác nhận mắc (F0)", "Confirmed on", release.confirmed_on.strftime("%d/%m/%Y")),
        ("Ngày hoàn thành cách ly", "Released on", release.released_on.strftime("%d/%m/%Y")),
        ("Nơi điều trị", "Cared for at", facility),
        ("Xã/phường", "Commune", commune),
        ("Căn cứ", "Policy", release.policy),
        ("Mã giấy", "Paper id", release.id),
    ]
    for vi, en, value in rows:
        pdf.set_font("DejaVu", "B", 10)
        pdf.cell(62, 6, vi)
        pdf.set_font("DejaVu", "", 11)
        pdf.multi_cell(0, 6, value, new_x="LMARGIN", new_y="NEXT")
        pdf.set_font("DejaVu", "", 8)
        pdf.set_text_color(90, 90, 90)
        pdf.cell(62, 4, en, new_x="LMARGIN", new_y="NEXT")
        pdf.set_text_color(0, 0, 0)
    modules = qr_modules(url, error="m")
    side = QR_MM / len(modules)
    x, y = (210 - QR_MM) / 2, max(pdf.get_y() + 8, 150.0)
    pdf.set_fill_color(0, 0, 0)
    for r, row in enumerate(modules):
        for start, length in dark_runs(row):
            pdf.rect(x + start * side, y + r * side, length * side, side + 0.01, style="F")
    pdf.set_xy(18, y + QR_MM + 5)
    pdf.set_font("DejaVu", "", 8)
    pdf.multi_cell(
        0,
        4,
        "Quét mã bằng camera điện thoại để kiểm tra giấy trên trang xác minh của EpiQR (chữ ký số, không cần "
        "đăng nhập). / Scan the code with a phone camera to check this paper on EpiQR's verification page "
        "(digital signature, no login needed).",
        align="C",
    )
    return bytes(pdf.output())
