"""PostgreSQL helpers: migration steps (SQLite, the embedded default, skips them), array parameters, and the
one COPY writer (with its SQLite fallback)."""

from collections.abc import Iterable, Sequence
from datetime import UTC, datetime, timedelta
from itertools import chain

import numpy as np
from django.db import connection

from .replica import note_write


def postgres_only(statements: list[str]):
    """A RunPython function that executes the statements on PostgreSQL and does nothing elsewhere."""

    def apply(apps, schema_editor):
        if schema_editor.connection.vendor != "postgresql":
            return
        for sql in statements:
            schema_editor.execute(sql)

    return apply


def array_literal(values) -> str:
    """A PostgreSQL array literal for a `%s::type[]` parameter. psycopg adapts a Python list element by
    element in Python (microseconds each: a third of a 1,000-scan batch upload); joining text costs a
    fraction of that. Elements: ints, bools, None, UUIDs, aware datetimes (ISO 8601) and any text
    (quoted, so commas, braces, quotes, backslashes, spaces or the word NULL stay text)."""
    return "{" + ",".join(_element(v) for v in values) + "}"


def int_array_literal(values) -> str:
    """array_literal() for integers only, the fastest case."""
    return "{" + ",".join(map(str, values)) + "}"


def time_array_literal(values) -> str:
    """array_literal() for aware datetimes, none missing: ISO 8601 needs no quoting."""
    return "{" + ",".join([v.isoformat() for v in values]) + "}"


def _element(value) -> str:
    if value is None:
        return "NULL"
    if value is True:
        return "t"
    if value is False:
        return "f"
    if isinstance(value, str):
        return '"' + value.replace("\\", "\\\\").replace('"', '\\"') + '"'
    if hasattr(value, "isoformat"):
        return value.isoformat()
    return str(value)


def copy_into(
    cur, table: str, columns: Sequence[str], rows: Iterable[tuple], *, types: Sequence[str] | None = None
) -> int:
    """PostgreSQL: plain tuples into `table` (a quoted name or a temporary table) with COPY ... FROM STDIN,
    one stream and no model objects; how many rows were written. `cur` is a Django cursor. With `types`
    (the columns' PostgreSQL types) the binary format: several times faster for numbers and times, which
    text COPY formats one by one; each value must then be of its column's Python type."""
    note_write()  # COPY bypasses execute wrappers: tell core.replica (read your own write)
    count = 0
    binary = " (FORMAT BINARY)" if types is not None else ""
    # COPY goes past Django's cursor: its errors are made Django's here (IntegrityError and the like).
    with (
        connection.wrap_database_errors,
        cur.cursor.copy(f"COPY {table} ({', '.join(columns)}) FROM STDIN{binary}") as copy,
    ):
        if types is not None:
            copy.set_types(list(types))
        for row in rows:
            copy.write_row(row)
            count += 1
    return count


def rows_insert(model, fields: Sequence[str], rows: Iterable[tuple], *, binary: bool = False) -> int:
    """Plain tuples into a model's table, no model instances: COPY on PostgreSQL, one executemany per
    20,000 rows elsewhere (datetimes adapted once per distinct value: bulk rows repeat their times a lot).
    `fields` are field names or attnames (`tube` or `tube_id`); give every column without a database
    default. The one bulk writer of plain rows (tracing runs, tubes and results, check-ins).
    `binary`: binary COPY on PostgreSQL, typed by the model's columns (rows of numbers and times go
    several times faster; every value must be of its column's Python type: int, float, aware datetime,
    str, None)."""
    meta = model._meta
    columns = [connection.ops.quote_name(meta.get_field(f).column) for f in fields]
    table = connection.ops.quote_name(meta.db_table)
    with connection.cursor() as cur:
        if connection.vendor == "postgresql":
            types = [meta.get_field(f).db_type(connection).split("(")[0] for f in fields] if binary else None
            return copy_into(cur, table, columns, rows, types=types)
        adapted: dict[datetime, str] = {}

        def adapt(value):
            if isinstance(value, datetime):
                out = adapted.get(value)
                if out is None:
                    out = adapted[value] = connection.ops.adapt_datetimefield_value(value)
                return out
            return value

        count = 0
        batch: list[tuple] = []
        sql = f"INSERT INTO {table} ({', '.join(columns)}) VALUES ({', '.join(['%s'] * len(columns))})"
        for row in rows:
            batch.append(tuple(adapt(v) for v in row))
            if len(batch) >= 20_000:
                cur.executemany(sql, batch)
                count += len(batch)
                batch = []
        if batch:
            cur.executemany(sql, batch)
            count += len(batch)
    return count


EPOCH = datetime(1970, 1, 1, tzinfo=UTC)
PG_EPOCH_MICROS = 946_684_800_000_000  # PostgreSQL's binary timestamps count from 2000-01-01 UTC
BINARY_COPY_HEADER = b"PGCOPY\n\xff\r\n\x00" + bytes(8)  # signature, flags, header extension length
BINARY_COPY_TRAILER = b"\xff\xff"
COPY_SLICE = 10_000  # rows laid out and sent at a time by columns_insert
COLUMN_TYPES = {  # what columns_insert writes: integers, floats, times, text, bytes
    "BinaryField",
    "AutoField",
    "BigAutoField",
    "BigIntegerField",
    "IntegerField",
    "PositiveIntegerField",
    "PositiveSmallIntegerField",
    "SmallIntegerField",
    "FloatField",
    "DateTimeField",
    "CharField",
    "TextField",
}
BINARY_SIZES = {
    "bigint": 8,
    "integer": 4,
    "smallint": 2,
    "double precision": 8,
    "timestamp with time zone": 8,
}


def _utf8(column: np.ndarray) -> np.ndarray:
    """A column of text as UTF-8 bytes (numpy's fixed-width `S`): a plain cast when every value is ASCII
    (codes, statuses, ids: several times faster), else encoded."""
    text = column.astype(str)
    try:
        return text.astype(np.bytes_)
    except UnicodeEncodeError:
        return np.char.encode(text, "utf-8")


def _fixed_body(blocks: list[np.ndarray], keeps: list[np.ndarray | None]) -> tuple[bytes, list[int]]:
    """The bytes of n rows laid out as tables (`keeps`: which bytes of a padded table are real), and
    where each row ends."""
    table = np.hstack(blocks)
    if all(k is None for k in keeps):
        width = table.shape[1]
        return table.tobytes(), list(range(width, width * (len(table) + 1), width))
    keep = np.hstack([np.ones(b.shape, bool) if k is None else k for b, k in zip(blocks, keeps, strict=True)])
    return table[keep].tobytes(), np.cumsum(keep.sum(axis=1)).tolist()


def _fixed_rows(blocks: list[np.ndarray], keeps: list[np.ndarray | None], n: int) -> list[bytes]:
    """Each row's bytes, as _fixed_body lays them out."""
    if not blocks:
        return [b""] * n
    raw, ends = _fixed_body(blocks, keeps)
    return [raw[a:b] for a, b in zip([0, *ends[:-1]], ends, strict=True)]


def _copy_body(kinds: Sequence[str], columns: Sequence, n: int) -> bytes:
    """The binary COPY rows (no header) of n rows of `columns`, as columns_insert describes them."""
    # Fixed-width parts of the rows as tables of bytes, split where a column of bytes goes (`pieces`).
    parts: list[list[np.ndarray]] = [[np.full(n, len(kinds), ">i2").view(np.uint8).reshape(n, 2)]]
    masks: list[list[np.ndarray | None]] = [[None]]
    pieces: list[list[bytes]] = []
    for kind, column in zip(kinds, columns, strict=True):
        blocks, keeps = parts[-1], masks[-1]
        if column is None:
            blocks.append(np.full(n, -1, ">i4").view(np.uint8).reshape(n, 4))
            keeps.append(None)
        elif isinstance(column, list):  # bytes
            lengths = np.fromiter((len(b) for b in column), dtype=np.int64, count=n)
            blocks.append(lengths.astype(">i4").view(np.uint8).reshape(n, 4))
            keeps.append(None)
            pieces.append(list(column))
            parts.append([])
            masks.append([])
        elif kind in BINARY_SIZES:
            size = BINARY_SIZES[kind]
            missing = np.ma.getmaskarray(column) if np.ma.isMaskedArray(column) else None
            if missing is not None:
                column = np.ma.filled(column, 0)
            if kind == "timestamp with time zone":
                data = (column.astype(np.int64) - PG_EPOCH_MICROS).astype(">i8")
            else:
                data = column.astype((">f" if kind == "double precision" else ">i") + str(size))
            if missing is None:
                blocks.append(np.full(n, size, ">i4").view(np.uint8).reshape(n, 4))
                keeps += [None, None]
            else:  # NULL where masked: length -1 and no bytes
                blocks.append(np.where(missing, -1, size).astype(">i4").view(np.uint8).reshape(n, 4))
                keeps += [None, np.repeat(~missing[:, None], size, axis=1)]
            blocks.append(data.view(np.uint8).reshape(n, size))
        else:  # text: each value padded to the longest, the padding cut out below
            encoded = _utf8(column)
            width = encoded.dtype.itemsize
            lengths = np.char.str_len(encoded)
            blocks += [
                lengths.astype(">i4").view(np.uint8).reshape(n, 4),
                np.frombuffer(encoded.tobytes(), np.uint8).reshape(n, width),
            ]
            keeps += [None, np.arange(width) < lengths[:, None]]
    if not pieces:
        body = _fixed_body(parts[0], masks[0])[0]
    else:
        segments = [_fixed_rows(blocks, keeps, n) for blocks, keeps in zip(parts, masks, strict=True)]
        row_parts = [segments[0]]
        for blobs, segment in zip(pieces, segments[1:], strict=True):
            row_parts += [blobs, segment]
        body = b"".join(chain.from_iterable(zip(*row_parts, strict=True)))
    return body


def columns_insert(model, fields: Sequence[str], columns: Sequence[np.ndarray | list[bytes] | None]) -> int:
    """Columns into a model's table, row i from element i of each, no Python object per value: on
    PostgreSQL one binary COPY whose bytes numpy lays out (per row the field count, then per field its
    length, -1 for NULL, and its big-endian bytes), elsewhere rows_insert. A column is a numpy array:
    integers for integer columns and foreign keys, floats for float columns, integer microseconds since the
    Unix epoch (UTC) for times (a masked array: NULL where masked), str for text; a list of bytes for a
    binary column (each row's own length: the rows are then joined one by one around it); or None, NULL in
    every row. Sent COPY_SLICE rows at a time. How many rows were written."""
    meta = model._meta
    for f in fields:
        field = meta.get_field(f)
        internal = getattr(field, "target_field", field).get_internal_type()
        if internal not in COLUMN_TYPES:
            raise ValueError(f"columns_insert writes no {internal} ({f})")
    n = max((len(c) for c in columns if c is not None), default=0)
    if not n:
        return 0
    if connection.vendor != "postgresql":
        times = [meta.get_field(f).get_internal_type() == "DateTimeField" for f in fields]
        values = [
            [None] * n
            if c is None
            else list(c)
            if isinstance(c, list)
            else [EPOCH + timedelta(microseconds=v) for v in c.tolist()]
            if is_time
            else c.tolist()
            for c, is_time in zip(columns, times, strict=True)
        ]
        return rows_insert(model, fields, zip(*values, strict=True))
    kinds = [meta.get_field(f).db_type(connection).split("(")[0] for f in fields]
    names = ", ".join(connection.ops.quote_name(meta.get_field(f).column) for f in fields)
    note_write()  # COPY bypasses execute wrappers: tell core.replica (read your own write)
    with connection.cursor() as cur:
        sql = f"COPY {connection.ops.quote_name(meta.db_table)} ({names}) FROM STDIN (FORMAT BINARY)"
        # In slices: the server stores one slice while the next is laid out.
        with connection.wrap_database_errors, cur.cursor.copy(sql) as copy:
            copy.write(BINARY_COPY_HEADER)
            for lo in range(0, n, COPY_SLICE):
                part = [None if c is None else c[lo : lo + COPY_SLICE] for c in columns]
                copy.write(_copy_body(kinds, part, min(COPY_SLICE, n - lo)))
            copy.write(BINARY_COPY_TRAILER)
    return n
