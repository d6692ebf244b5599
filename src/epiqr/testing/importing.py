"""Reading lab result files (CSV or Excel, as instruments and lab information systems export them)."""

from django.utils.translation import gettext as _

from epiqr.core.errors import Invalid
from epiqr.core.sheets import read_table
from epiqr.core.text import fold

from .results import ResultRow

MAX_ROWS = 200_000
MAX_BYTES = 32 * 1024 * 1024  # 200,000 rows of barcode, result, Ct and time

# Column names seen in lab exports, folded (lower case, no diacritics); the first column found wins.
COLUMNS = {
    "barcode": ("barcode", "tube", "tube barcode", "ma ong", "ma ong mau", "ma mau", "sample id", "sample"),
    "value": ("result", "ket qua", "kq", "outcome"),
    "ct": ("ct", "ct value", "gia tri ct"),
    "tested_at": ("tested at", "test time", "thoi gian xet nghiem", "ngay xet nghiem", "thoi gian", "time"),
}


def _header_map(header: list) -> dict[str, int]:
    folded = [fold(str(h or "")).replace("_", " ") for h in header]
    found: dict[str, int] = {}
    for key, names in COLUMNS.items():
        for name in names:
            if name in folded:
                found[key] = folded.index(name)
                break
    missing = [k for k in ("barcode", "value") if k not in found]
    if missing:
        raise Invalid(
            _(
                "The file needs a tube barcode column and a result column (e.g. “barcode,result,ct,tested_at”)."
            ),
            field="file",
            code="bad_header",
        )
    return found


def _rows(table, first_line: int) -> list[ResultRow]:
    iterator = iter(table)
    header = next(iterator, None)
    if header is None:
        raise Invalid(_("The file is empty."), field="file", code="empty")
    cols = _header_map(list(header))
    out = []
    for offset, raw in enumerate(iterator):
        cells = list(raw)
        if not any(str(c).strip() for c in cells if c is not None):
            continue
        if len(out) >= MAX_ROWS:
            raise Invalid(_("At most %(n)d rows per file.") % {"n": MAX_ROWS}, field="file", code="too_big")

        def cell(key, cells=cells):
            i = cols.get(key)
            return cells[i] if i is not None and i < len(cells) else None

        out.append(
            ResultRow(
                barcode=str(cell("barcode") or "").strip(),
                value=str(cell("value") or "").strip(),
                ct=cell("ct"),
                tested_at=cell("tested_at"),
                line=first_line + 1 + offset,
            )
        )
    return out


def rows_from_file(*, name: str, data: bytes) -> list[ResultRow]:
    """Result rows of an uploaded .csv or .xlsx file; `line` is the spreadsheet row number."""
    table = read_table(data, filename=name, max_rows=MAX_ROWS + 1, max_bytes=MAX_BYTES)
    return _rows((values for _line, values in table), first_line=table[0][0])
