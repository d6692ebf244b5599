"""Reading an uploaded spreadsheet, for every import (venues, lab results, deployment targets...).

One reader: an .xlsx file (its first sheet; recognised by its zip signature whatever its name) or a CSV
text in UTF-8 (with or without the BOM Excel writes), separated by commas, semicolons (Excel in a
Vietnamese locale) or tabs. It returns every row with its spreadsheet line number, so each import reads
its own headers and reports a refused row by the line the person sees in Excel. A file it cannot read
is a SheetError (an Invalid on the field "file") with a message that says what to do; nothing is
guessed: a CSV in another encoding is refused rather than read as garbled names.
"""

import csv
import io
import zipfile
from collections.abc import Iterable, Mapping
from dataclasses import dataclass

from django.utils.translation import gettext as _

from .errors import Invalid
from .text import fold

MAX_BYTES = 5 * 1024 * 1024
XLSX_SIGNATURE = b"PK\x03\x04"
DELIMITERS = (",", ";", "\t")
READABLE = (".xlsx", ".csv", ".txt")

Table = list[tuple[int, list]]  # (line number from 1, cell values)


class SheetError(Invalid):
    """The file as a whole cannot be read (wrong format, encoding, size, too many rows)."""

    def __init__(self, message: str, *, code: str = "bad_file"):
        super().__init__(message, field="file", code=code)


def read_table(blob: bytes, *, filename: str = "", max_rows: int, max_bytes: int = MAX_BYTES) -> Table:
    """Every row of the file as (line number, cell values); SheetError when it cannot be read or has
    more than `max_rows` lines (a title or blank line above the header is counted too)."""
    name = filename.lower()
    if name and not name.endswith(READABLE) and blob[:4] != XLSX_SIGNATURE:
        raise SheetError(_("Upload a .csv or .xlsx file."))
    if not blob:
        raise SheetError(_("The file is empty."), code="empty")
    if len(blob) > max_bytes:
        raise SheetError(
            _("The file is too large (over %(mb)s MB); split it into smaller files.")
            % {"mb": max_bytes // (1024 * 1024)},
            code="too_big",
        )
    if blob[:4] == XLSX_SIGNATURE or name.endswith(".xlsx"):
        table = _xlsx_rows(blob, max_rows=max_rows)
    else:
        table = _csv_rows(blob, max_rows=max_rows)
    if not any(_filled(values) for _line, values in table):
        raise SheetError(_("The file is empty."), code="empty")
    return table


def _too_many(max_rows: int) -> SheetError:
    return SheetError(
        _("The file has more than %(n)s rows: split it into smaller files.") % {"n": f"{max_rows:,}"},
        code="too_big",
    )


def _xlsx_rows(blob: bytes, *, max_rows: int) -> Table:
    from openpyxl import load_workbook  # imported on use: openpyxl takes a while to load

    try:
        book = load_workbook(io.BytesIO(blob), read_only=True, data_only=True)
    except (zipfile.BadZipFile, KeyError, ValueError, OSError, TypeError) as exc:
        raise SheetError(_("This is not a readable Excel (.xlsx) file.")) from exc
    try:
        if not book.worksheets:
            raise SheetError(_("The file is empty."), code="empty")
        table = []
        for line, values in enumerate(book.worksheets[0].iter_rows(values_only=True), start=1):
            if line > max_rows:
                raise _too_many(max_rows)
            table.append((line, list(values)))
        return table
    finally:
        book.close()


def _csv_rows(blob: bytes, *, max_rows: int) -> Table:
    try:
        text = blob.decode("utf-8-sig")
    except UnicodeDecodeError as exc:
        raise SheetError(
            _('The CSV file is not UTF-8 text. In Excel choose "CSV UTF-8" when saving.'), code="encoding"
        ) from exc
    first_line = text.split("\n", 1)[0]
    delimiter = max(DELIMITERS, key=first_line.count)  # ties (none found) keep the comma
    reader = csv.reader(io.StringIO(text, newline=""), delimiter=delimiter)
    table = []
    try:
        for line, values in enumerate(reader, start=1):
            if line > max_rows:
                raise _too_many(max_rows)
            table.append((line, values))
    except csv.Error as exc:
        raise SheetError(_("The CSV file is malformed: %(err)s") % {"err": exc}) from exc
    return table


def _filled(values: list) -> bool:
    return any(v is not None and str(v).strip() for v in values)


@dataclass
class Record:
    """One filled row of a sheet: its line as Excel shows it, and its cells keyed by field."""

    line: int
    values: dict


def cell_text(value) -> str:
    """A cell as the text a person typed (None is empty; whole numbers lose Excel's ".0")."""
    if value is None:
        return ""
    if isinstance(value, float) and value.is_integer():
        return str(int(value))
    return str(value).strip()


def table_records(
    table: Table,
    *,
    headers: Mapping[str, Iterable[str]],
    required: Iterable[str] = (),
    labels: Mapping[str, str] | None = None,
    header_field: str | None = None,
) -> list[Record]:
    """The rows below the header row as Records. The header row is the first filled one (or, with
    `header_field`, the first naming that field: title lines above it are skipped); its cells are matched
    to fields through `headers` (field -> names people write) without case, diacritics or a trailing
    required-mark "*". A missing `required` column is a SheetError naming it (by `labels` when given);
    a column named twice keeps its first; blank rows are not records."""
    by_name = {fold(name): field for field, names in headers.items() for name in names}

    def field_of(value) -> str | None:
        return by_name.get(fold(cell_text(value)).rstrip(" *"))

    def filled(values: list) -> bool:
        return any(cell_text(v) for v in values)

    header_at = next(
        (
            i
            for i, (_line, values) in enumerate(table)
            if (any(field_of(v) == header_field for v in values) if header_field else filled(values))
        ),
        None,
    )
    if header_at is None:
        if header_field and any(filled(values) for _line, values in table):
            name = (labels or {}).get(header_field, header_field)
            raise SheetError(
                _("No header row with the column %(col)s was found.") % {"col": name}, code="columns"
            )
        raise SheetError(_("The file is empty."), code="empty")
    fields = [field_of(v) for v in table[header_at][1]]
    missing = [(labels or {}).get(key, key) for key in required if key not in fields]
    if missing:
        raise SheetError(
            _("Missing column(s): %(cols)s. Use the template's header row.") % {"cols": ", ".join(missing)},
            code="columns",
        )
    records = []
    for line, values in table[header_at + 1 :]:
        if not filled(values):
            continue
        row: dict = {}
        for key, value in zip(fields, values, strict=False):
            if key and key not in row:
                row[key] = value
        records.append(Record(line, row))
    return records


def read_records(
    blob: bytes,
    *,
    filename: str = "",
    headers: Mapping[str, Iterable[str]],
    required: Iterable[str] = (),
    labels: Mapping[str, str] | None = None,
    header_field: str | None = None,
    max_rows: int,
    max_bytes: int = MAX_BYTES,
) -> list[Record]:
    """An uploaded sheet's rows keyed by field: read_table, then table_records. `max_rows` counts the
    records; a few title lines above the header are allowed on top."""
    table = read_table(blob, filename=filename, max_rows=max_rows + 50, max_bytes=max_bytes)
    records = table_records(
        table, headers=headers, required=required, labels=labels, header_field=header_field
    )
    if len(records) > max_rows:
        raise _too_many(max_rows)
    return records
