"""PostgreSQL helpers: migration steps (SQLite, the embedded default, skips them), array parameters, and the
one COPY writer (with its SQLite fallback)."""

from collections.abc import Iterable, Sequence
from datetime import datetime

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
    with cur.cursor.copy(f"COPY {table} ({', '.join(columns)}) FROM STDIN{binary}") as copy:
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
