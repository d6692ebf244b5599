"""An organisation's staff list (.xlsx or .csv) read into application rows, and the template to fill in.

Headers are matched without diacritics or case, in Vietnamese or English. Every row becomes a dict for
`applications.application_clean`, with its line number under "_row".
"""

from __future__ import annotations

import csv
import io
import zipfile

from django.utils import translation
from django.utils.translation import gettext as _

from epiqr.core.export import Sheet
from epiqr.core.text import fold

from .applications import cell
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
_HEADERS = {alias: key for key, aliases in _ALIASES.items() for alias in aliases}


class SheetError(ValueError):
    """The file as a whole cannot be read (format, encoding, missing columns)."""


def read_sheet(blob: bytes, *, filename: str = "") -> list[dict]:
    if not blob:
        raise SheetError(_("The file is empty."))
    if len(blob) > MAX_BYTES:
        raise SheetError(_("The file is too large (over 5 MB); split it into smaller files."))
    table = (
        _read_xlsx(blob)
        if blob[:4] == b"PK\x03\x04" or filename.lower().endswith(".xlsx")
        else _read_csv(blob)
    )
    return _rows(table)


def _read_xlsx(blob: bytes) -> list[tuple[int, list]]:
    from openpyxl import load_workbook

    try:
        book = load_workbook(io.BytesIO(blob), read_only=True, data_only=True)
    except (zipfile.BadZipFile, KeyError, ValueError, OSError, TypeError) as exc:
        raise SheetError(_("This is not a readable Excel (.xlsx) file.")) from exc
    try:
        table = []
        for number, values in enumerate(book.worksheets[0].iter_rows(values_only=True), start=1):
            table.append((number, list(values)))
            if number > MAX_ROWS + 50:
                break
        return table
    except (KeyError, ValueError, TypeError, zipfile.BadZipFile) as exc:
        raise SheetError(_("This is not a readable Excel (.xlsx) file.")) from exc
    finally:
        book.close()


def _read_csv(blob: bytes) -> list[tuple[int, list]]:
    try:
        text = blob.decode("utf-8-sig")
    except UnicodeDecodeError as exc:
        raise SheetError(
            _('The CSV file is not UTF-8 text. In Excel choose "CSV UTF-8" when saving.')
        ) from exc
    if "\x00" in text:
        raise SheetError(_("The file contains characters that are not allowed."))
    first = text.split("\n", 1)[0]
    delimiter = ";" if first.count(";") > first.count(",") else ","
    try:
        rows = list(csv.reader(io.StringIO(text, newline=""), delimiter=delimiter))
    except csv.Error as exc:
        raise SheetError(_("The CSV file is malformed: %(err)s") % {"err": exc}) from exc
    return list(enumerate(rows, start=1))[: MAX_ROWS + 51]


def _rows(table: list[tuple[int, list]]) -> list[dict]:
    header_at = next((i for i, (_n, values) in enumerate(table) if any(cell(v) for v in values)), None)
    if header_at is None:
        raise SheetError(_("The file is empty."))
    fields = [_HEADERS.get(fold(cell(h)).rstrip(" *")) for h in table[header_at][1]]
    missing = [vi for key, vi, _en, required in COLUMNS if required and key not in fields]
    if missing:
        raise SheetError(
            _("Missing column(s): %(cols)s. Use the template's header row.") % {"cols": ", ".join(missing)}
        )
    rows = []
    for number, values in table[header_at + 1 :]:
        if not any(cell(v) for v in values):
            continue
        row: dict = {"_row": number}
        for key, value in zip(fields, values, strict=False):
            if key and key not in row:
                row[key] = value
        rows.append(row)
    return rows


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
