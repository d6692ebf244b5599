"""Historical doses from the old system's Excel or CSV export, one dose per row, each row judged alone.

Columns are found by their header (Vietnamese as the old system wrote them, or English): ID number
(`Số CCCD`/`CCCD`/`id_number`), name (`Họ và tên`/`full_name`), date of birth (`Ngày sinh`/`birth_date`),
sex (`Giới tính`/`sex`: Nam/Nữ/M/F), phone (`Số điện thoại`/`phone`), vaccine (`Vắc xin`/`product`: an
EpiQR code, the trade name or the DCC `mp` code), dose date (`Ngày tiêm`/`given_on`), lot (`Số lô`/`lot`).
Re-importing the same file stores nothing twice: each row's id is derived from (ID number, vaccine, day)
and scoped to its sender (core.idempotency).
"""

import uuid
from datetime import date, datetime

from django.utils.translation import gettext as _

from epiqr.core.errors import Invalid
from epiqr.core.sheets import Record, read_records
from epiqr.core.timeutil import VN_TZ

from .schedules import PRODUCTS
from .services import DoseItem, Invitee

HEADERS = {
    "id_number": ("số cccd", "cccd", "số định danh", "id_number", "id number", "số cmnd/cccd"),
    "full_name": ("họ và tên", "họ tên", "full_name", "name"),
    "birth_date": ("ngày sinh", "birth_date", "date of birth"),
    "sex": ("giới tính", "sex"),
    "phone": ("số điện thoại", "điện thoại", "phone"),
    "product": ("vắc xin", "tên vắc xin", "product", "vaccine"),
    "given_on": ("ngày tiêm", "given_on", "dose date", "date"),
    "lot": ("số lô", "lot", "lot number"),
}
REQUIRED = ("id_number", "full_name", "product", "given_on")
NAMESPACE = uuid.UUID("2b8f6a52-6f0e-4c53-9a1b-8c1d1e0b7a11")


Row = Record  # one filled row: its line as Excel shows it, its cells keyed by field
MAX_ROWS = 200_000  # a district's whole history fits; a province's export is split
MAX_BYTES = 40 * 1024 * 1024


def _product(text: str) -> str | None:
    key = (text or "").strip().upper()
    for code, p in PRODUCTS.items():
        if (
            key in (code, p.mp.upper(), p.name.upper())
            or key in p.name.upper().replace("(", " ").replace(")", " ").split()
        ):
            return code
    return None


def _day(value) -> date | None:
    if isinstance(value, datetime):
        return value.date()
    if isinstance(value, date):
        return value
    text = str(value or "").strip()
    for fmt in ("%d/%m/%Y", "%Y-%m-%d", "%d-%m-%Y", "%d.%m.%Y"):
        try:
            return datetime.strptime(text, fmt).date()
        except ValueError:
            continue
    return None


# An invitation list (a commune's priority group as the ward office sends it): who, and their group.
INVITEE_HEADERS = {
    **{k: HEADERS[k] for k in ("id_number", "full_name", "birth_date", "sex", "phone")},
    "group": ("nhóm ưu tiên", "nhóm đối tượng", "đối tượng", "nhóm", "priority group", "group"),
}
INVITEE_REQUIRED = ("id_number", "full_name")


def rows_from_file(
    *, name: str, data: bytes, headers: dict = HEADERS, required: tuple = REQUIRED
) -> list[Row]:
    """The rows of an uploaded .xlsx or .csv (core.sheets), with their spreadsheet line numbers; the
    columns are found by `headers` and those in `required` must be there."""
    return read_records(
        data, filename=name, headers=headers, required=required, max_rows=MAX_ROWS, max_bytes=MAX_BYTES
    )


def item_of(row: Row):
    """The DoseItem of a row, or Invalid naming the field at fault."""
    v = row.values
    number = "".join(str(v.get("id_number") or "").split())
    name = " ".join(str(v.get("full_name") or "").split())
    product = _product(str(v.get("product") or ""))
    given_on = _day(v.get("given_on"))
    if not number.isdigit() or len(number) not in (9, 12):
        raise Invalid(_("The ID number must have 9 or 12 digits."), field="id_number")
    if not name:
        raise Invalid(_("The name is missing."), field="full_name")
    if product is None:
        raise Invalid(_("Unknown vaccine product."), field="product")
    if given_on is None:
        raise Invalid(_("The dose date is not a date (dd/mm/yyyy)."), field="given_on")
    sex = {"nam": "M", "m": "M", "nữ": "F", "nu": "F", "f": "F"}.get(
        str(v.get("sex") or "").strip().lower(), ""
    )
    return DoseItem(
        client_id=uuid.uuid5(NAMESPACE, f"{number}|{product}|{given_on.isoformat()}"),
        id_number=number,
        full_name=name,
        product=product,
        given_at=datetime(given_on.year, given_on.month, given_on.day, 12, tzinfo=VN_TZ),
        birth_date=_day(v.get("birth_date")),
        sex=sex,
        phone=str(v.get("phone") or "").strip()[:20],
        lot_number=str(v.get("lot") or "").strip()[:40],
    )


def _person_fields(row: Row) -> dict:
    """The person columns of a row (ID number, name, birth date, sex, phone), or Invalid naming the field."""
    v = row.values
    number = "".join(str(v.get("id_number") or "").split())
    name = " ".join(str(v.get("full_name") or "").split())
    if not number.isdigit() or len(number) not in (9, 12):
        raise Invalid(_("The ID number must have 9 or 12 digits."), field="id_number")
    if not name:
        raise Invalid(_("The name is missing."), field="full_name")
    sex = {"nam": "M", "m": "M", "nữ": "F", "nu": "F", "f": "F"}.get(
        str(v.get("sex") or "").strip().lower(), ""
    )
    return {
        "id_number": number,
        "full_name": name[:120],
        "birth_date": _day(v.get("birth_date")),
        "sex": sex,
        "phone": str(v.get("phone") or "").strip()[:20],
    }


def invitee_of(row: Row):
    """The Invitee of an invitation list's row, or Invalid naming the field at fault."""
    return Invitee(**_person_fields(row), group=" ".join(str(row.values.get("group") or "").split())[:100])
