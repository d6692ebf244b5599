"""An organisation's staff list (.xlsx or .csv) read into application rows, and the template to fill in.

Headers are matched without diacritics or case, in Vietnamese or English. Every row becomes a dict for
`applications.application_clean`, with its line number under "_row".
"""

from __future__ import annotations

from django.utils import translation

from epiqr.core.export import Sheet
from epiqr.core.sheets import read_records

from .models import Purpose

MAX_BYTES = 5 * 1024 * 1024
MAX_ROWS = 5000

# (field, Vietnamese header, English header, required)
COLUMNS = [
    ("id_number", "Số CCCD/CMND/hộ chiếu", "ID number", True),
    ("full_name", "Họ và tên", "Full name", True),
    ("phone", "Điện thoại", "Phone", False),
    ("email", "Email", "Email", False),
    ("purpose", "Mục đích", "Purpose", True),
    ("valid_from", "Từ ngày", "Valid from", True),
    ("valid_until", "Đến ngày", "Valid until", True),
    ("weekdays", "Ngày trong tuần", "Weekdays", False),
    ("hours", "Khung giờ", "Hours", False),
    ("area", "Khu vực (tỉnh hoặc xã)", "Area (provinces or communes)", True),
    ("plate", "Biển số xe", "Vehicle plate", False),
]
_ALIASES = {
    "id_number": ["so cccd/cmnd/ho chieu", "so cccd", "cccd", "cmnd", "so giay to", "id number", "id"],
    "full_name": ["ho va ten", "ho ten", "ten", "full name", "name"],
    "phone": ["dien thoai", "so dien thoai", "sdt", "phone"],
    "email": ["email", "thu dien tu"],
    "purpose": ["muc dich", "ly do", "purpose"],
    "valid_from": ["tu ngay", "ngay bat dau", "valid from", "from"],
    "valid_until": ["den ngay", "ngay ket thuc", "valid until", "until", "to"],
    "weekdays": ["ngay trong tuan", "thu", "weekdays", "days"],
    "hours": ["khung gio", "gio", "thoi gian", "hours"],
    "area": [
        "khu vuc (tinh hoac xa)",
        "area (provinces or communes)",
        "khu vuc",
        "dia ban",
        "pham vi",
        "area",
        "area (provinces or communes, separated by ;)",
    ],
    "plate": ["bien so xe", "bien so", "bien kiem soat", "vehicle plate", "plate"],
}


def read_sheet(blob: bytes, *, filename: str = "") -> list[dict]:
    """The staff rows as dicts keyed by field with "_row" (core.sheets: a SheetError for a bad file)."""
    records = read_records(
        blob,
        filename=filename,
        headers=_ALIASES,
        required=[key for key, _vi, _en, required in COLUMNS if required],
        labels={key: vi for key, vi, _en, _required in COLUMNS},
        max_rows=MAX_ROWS,
        max_bytes=MAX_BYTES,
    )
    return [{"_row": record.line, **record.values} for record in records]


def template_sheets() -> list[Sheet]:
    """The workbook an organisation fills in: the header on the first sheet (the one imported), a purpose
    drop-down, filled-in examples on a second sheet, the hidden list of purposes."""
    header = [f"{vi} *" if required else vi for _k, vi, _en, required in COLUMNS]
    with translation.override("vi"):
        purposes = [f"{n} - {label}" for n, label in Purpose.choices]
    widths = (22, 26, 14, 22, 30, 12, 12, 16, 14, 34, 12)
    examples = [
        ["001087012345", "Nguyễn Thị Thanh Hương", "0912345678", "", purposes[0], "07/12/2026", "20/12/2026",
         "T2-T6", "06:00-22:00", "Hà Nội", "29A-123.45"],
        ["036092001234", "Trần Văn Bình", "", "binh@example.vn", "5", "07/12/2026", "31/12/2026",
         "cả tuần", "22:00-06:00", "Phường Hoàn Kiếm; Phường Cửa Nam", ""],
    ]  # fmt: skip
    return [
        Sheet(
            title="Nhan su",
            header=header,
            rows=[],
            widths=widths,
            choices=[(f"E2:E{MAX_ROWS + 1}", f"'Muc dich'!$A$1:$A${len(purposes)}")],
            choice_error="Chọn mục đích trong danh sách",
        ),
        Sheet(title="Vi du", header=header, rows=examples, widths=widths),
        Sheet(title="Muc dich", header=(), rows=[[p] for p in purposes], hidden=True),
    ]
