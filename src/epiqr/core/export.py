"""The one writer of CSV and XLSX files: every export and every downloadable sheet goes through here.

Spreadsheet programs run a cell that starts with `=`, `+`, `-` or `@` (also the full-width forms they
honour, and a leading tab or carriage return) as a formula: a name such as `=HYPERLINK("http://x",
"Gọi")` typed at a venue poster would run on the officer's computer when the tracing list is opened.
So every text cell is neutralised here, never by the caller:

- CSV: such a cell is written with a leading apostrophe (`'=HYPERLINK(...)`), which spreadsheet programs
  show as text; the data stays readable.
- XLSX: every text cell is stored as text (never a formula, whatever it starts with), and such a cell is
  also marked "quote prefix", so editing it in the spreadsheet program keeps it text.

Numbers, dates and booleans pass as values (a negative number is not a formula). Characters a
spreadsheet cannot hold (control characters, lone surrogates) are dropped, and over-long text is cut to
the XLSX cell limit, so no input makes an export fail.

Lists of any size stream: CSV is sent in chunks as rows are produced, XLSX is written row by row into a
temporary file (openpyxl's write-only mode) and then sent from it; a sheet longer than a worksheet's
1,048,576 rows goes on in further worksheets, the header repeated. `response()` gives the download.
"""

import csv
import datetime as dt
import io
import re
import tempfile
import unicodedata
from collections.abc import Iterable, Iterator, Sequence
from dataclasses import dataclass, field
from decimal import Decimal
from typing import Any

from django.http import FileResponse, HttpResponse, StreamingHttpResponse

from .replica import replica_ok
from .timeutil import local

CSV = "csv"
XLSX = "xlsx"
FORMATS = (CSV, XLSX)
CONTENT_TYPES = {
    CSV: "text/csv; charset=utf-8",
    XLSX: "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
}

# What a spreadsheet program may read as the start of a formula (compared after NFKC folding, which maps
# the full-width ＝＋－＠ and the small-form ﹦﹢﹣﹫ onto these), plus the minus sign some accept.
FORMULA_STARTS = frozenset("=+-@\u2212")
# A cell starting with one of these is neutralised even before any visible character.
CONTROL_STARTS = frozenset("\t\r\n")
XLSX_CELL_MAX = 32_767
XLSX_MAX_ROWS = 1_048_576  # rows of one worksheet (Excel's limit, and the format's largest row number)
# Characters XML 1.0 (and so XLSX) cannot hold; CSV drops them too so that both files say the same.
_UNWRITABLE = re.compile(r"[\x00-\x08\x0b\x0c\x0e-\x1f\ufffe\uffff]|[\ud800-\udfff]")
CSV_CHUNK_ROWS = 500


def formula_like(text: str) -> bool:
    """True if a spreadsheet program could take this text for a formula."""
    if not text:
        return False
    if text[0] in CONTROL_STARTS:
        return True
    for ch in text:
        # Spaces and invisible characters (zero-width space, BOM, bidi marks) before the first visible one
        # do not stop a formula in every program: look past them.
        if ch.isspace() or unicodedata.category(ch) in ("Cf", "Cc", "Zs"):
            if ch in CONTROL_STARTS:
                return True
            continue
        return unicodedata.normalize("NFKC", ch)[:1] in FORMULA_STARTS or ch in FORMULA_STARTS
    return False


def clean_text(value: Any) -> str:
    """Any value as text a spreadsheet can hold (unwritable characters dropped)."""
    return _UNWRITABLE.sub("", str(value))


def csv_cell(value: Any) -> str | int | float | Decimal:
    """A value as written in a CSV cell: numbers as they are, text neutralised."""
    if value is None:
        return ""
    if isinstance(value, bool):
        return "1" if value else "0"
    if isinstance(value, int | float | Decimal):
        return value
    if isinstance(value, dt.datetime):
        return value.strftime("%Y-%m-%d %H:%M:%S" if value.second else "%Y-%m-%d %H:%M")
    if isinstance(value, dt.date):
        return value.isoformat()
    text = clean_text(value)
    return "'" + text if formula_like(text) else text


@dataclass
class Sheet:
    """One table to write: a header row and the data rows (any iterable; it is read once, lazily).

    `preamble` rows come before the header (a summary at the top of a manifest). `widths` sets column
    widths (XLSX), `hidden` hides the sheet (a list a drop-down reads from), and `choices` adds
    drop-downs: (cell range such as "B2:B501", source range such as "'Lists'!$A$1:$A$9").
    `rows_written` counts the data rows once the sheet has been written.
    """

    title: str
    header: Sequence[Any]
    rows: Iterable[Sequence[Any]]
    preamble: Sequence[Sequence[Any]] = ()
    widths: Sequence[int] = ()
    hidden: bool = False
    choices: Sequence[tuple[str, str]] = ()
    choice_error: str = ""
    rows_written: int = field(default=0, init=False)


# --- CSV ----------------------------------------------------------------------------------------


class _Line:
    """A file-like target for csv.writer that hands back each written line."""

    def __init__(self):
        self.text = ""

    def write(self, text: str) -> None:
        self.text += text


def csv_chunks(sheet: Sheet, *, bom: bool = True) -> Iterator[bytes]:
    """The sheet as UTF-8 CSV, in chunks of rows as they are produced (with a BOM, so that Excel reads
    Vietnamese correctly)."""
    line = _Line()
    writer = csv.writer(line)
    for row in sheet.preamble:
        writer.writerow([csv_cell(v) for v in row])
    if sheet.header:
        writer.writerow([csv_cell(v) for v in sheet.header])
    if bom:
        line.text = "\ufeff" + line.text
    pending = 0
    with replica_ok():  # an export is a heavy read (core.replica)
        for row in sheet.rows:
            writer.writerow([csv_cell(v) for v in row])
            sheet.rows_written += 1
            pending += 1
            if pending >= CSV_CHUNK_ROWS:
                yield line.text.encode("utf-8")
                line.text, pending = "", 0
    if line.text:
        yield line.text.encode("utf-8")


def csv_bytes(sheet: Sheet, *, bom: bool = True) -> bytes:
    return b"".join(csv_chunks(sheet, bom=bom))


# --- XLSX ---------------------------------------------------------------------------------------


def _xlsx_cell(ws, value: Any, *, bold: bool = False):
    from openpyxl.cell import WriteOnlyCell
    from openpyxl.styles import Font

    if value is None:
        cell = WriteOnlyCell(ws, value=None)
    elif isinstance(value, bool | int | float | Decimal):
        cell = WriteOnlyCell(ws, value=value)
    elif isinstance(value, dt.datetime):
        # Excel has no time zones: aware times are written as Vietnam wall-clock time.
        cell = WriteOnlyCell(ws, value=local(value).replace(tzinfo=None) if value.tzinfo else value)
        cell.number_format = "dd/mm/yyyy hh:mm"
    elif isinstance(value, dt.date):
        cell = WriteOnlyCell(ws, value=value)
        cell.number_format = "dd/mm/yyyy"
    else:
        text = clean_text(value)[:XLSX_CELL_MAX]
        cell = WriteOnlyCell(ws, value=text)
        cell.data_type = "s"  # text, never a formula, whatever it starts with
        if formula_like(text):
            cell.quotePrefix = True
    if bold:
        cell.font = Font(bold=True)
    return cell


def _worksheet(book, sheet: Sheet, title: str, *, first: bool):
    """A worksheet of `sheet` with its widths and header (the preamble and drop-downs on the first only),
    and how many rows it already holds."""
    from openpyxl.utils import get_column_letter
    from openpyxl.worksheet.datavalidation import DataValidation

    ws = book.create_sheet(title)
    preamble = sheet.preamble if first else ()
    for n, width in enumerate(sheet.widths, start=1):
        ws.column_dimensions[get_column_letter(n)].width = width
    if sheet.header:
        ws.freeze_panes = f"A{len(preamble) + 2}"
    if sheet.hidden:
        ws.sheet_state = "hidden"
    for cells, source in sheet.choices if first else ():
        # The source range is ours (a hidden list sheet), never data.
        choice = DataValidation(type="list", formula1=f"={source}", allow_blank=True)
        if sheet.choice_error:
            choice.error = sheet.choice_error
        choice.add(cells)
        ws.data_validations.append(choice)
    for row in preamble:
        ws.append([_xlsx_cell(ws, v) for v in row])
    if sheet.header:
        ws.append([_xlsx_cell(ws, v, bold=True) for v in sheet.header])
    return ws, len(preamble) + bool(sheet.header)


def xlsx_write(sheets: Sequence[Sheet], target) -> None:
    """Write the sheets into `target` (a path or a binary file), row by row. A sheet with more rows than
    a worksheet holds goes on in worksheets titled "<title> (2)", "(3)"..., each with the header again:
    spreadsheet programs drop (or refuse) the rows past XLSX_MAX_ROWS, and an export loses nothing."""
    from openpyxl import Workbook

    book = Workbook(write_only=True)
    for sheet in sheets:
        title = clean_text(sheet.title)[:31] or "Sheet"
        ws, used = _worksheet(book, sheet, title, first=True)
        part = 1
        with replica_ok():  # an export is a heavy read (core.replica)
            for row in sheet.rows:
                if used >= XLSX_MAX_ROWS:
                    part += 1
                    suffix = f" ({part})"
                    ws, used = _worksheet(book, sheet, title[: 31 - len(suffix)] + suffix, first=False)
                ws.append([_xlsx_cell(ws, v) for v in row])
                used += 1
                sheet.rows_written += 1
    book.save(target)


def xlsx_bytes(sheets: Sequence[Sheet]) -> bytes:
    out = io.BytesIO()
    xlsx_write(sheets, out)
    return out.getvalue()


# --- downloads ----------------------------------------------------------------------------------


def response(sheets: Sheet | Sequence[Sheet], *, fmt: str, filename: str) -> HttpResponse:
    """The download of one sheet as CSV (streamed while rows are produced) or of sheets as XLSX (written
    to a temporary file first, then streamed from it). `fmt` must be one of FORMATS."""
    if isinstance(sheets, Sheet):
        sheets = [sheets]
    if fmt == CSV:
        if len(sheets) != 1:
            raise ValueError("a CSV file holds one sheet")
        resp: HttpResponse = StreamingHttpResponse(csv_chunks(sheets[0]), content_type=CONTENT_TYPES[CSV])
    elif fmt == XLSX:
        spool = tempfile.SpooledTemporaryFile(max_size=8 * 1024 * 1024)
        xlsx_write(sheets, spool)
        spool.seek(0)
        resp = FileResponse(spool, content_type=CONTENT_TYPES[XLSX])
    else:
        raise ValueError(f"unknown export format {fmt!r}")
    resp["Content-Disposition"] = f'attachment; filename="{_safe_filename(filename)}"'
    resp["X-Content-Type-Options"] = "nosniff"
    return resp


def csv_bytes_response(data: bytes, *, filename: str) -> HttpResponse:
    """A CSV file already written by `csv_bytes` (a cached download, e.g. the open data) with the same
    headers as `response`."""
    resp = StreamingHttpResponse(iter([data]), content_type=CONTENT_TYPES[CSV])
    resp["Content-Disposition"] = f'attachment; filename="{_safe_filename(filename)}"'
    resp["X-Content-Type-Options"] = "nosniff"
    return resp


def rows_written(sheets: Sheet | Sequence[Sheet]) -> int:
    return sheets.rows_written if isinstance(sheets, Sheet) else sum(s.rows_written for s in sheets)


def _safe_filename(name: str) -> str:
    """An ASCII file name for the Content-Disposition header (no quotes, slashes or control characters)."""
    folded = unicodedata.normalize("NFKD", str(name)).encode("ascii", "ignore").decode("ascii")
    return re.sub(r"[^A-Za-z0-9._-]+", "-", folded).strip("-.") or "export"
