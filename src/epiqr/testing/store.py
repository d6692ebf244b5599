"""The testing domain's SQL helpers: plain rows into its tables (COPY on PostgreSQL) and long id lists
as array parameters. Callers go through the module (`store.rows_insert`), so a test can hold one open."""

from django.db import connection


def rows_insert(model, columns: tuple[str, ...], rows: list[tuple]) -> int:
    """Insert plain rows into one of this domain's tables: COPY on PostgreSQL (no model objects, one
    stream), bulk_create elsewhere. The caller gives every column that has no database default."""
    if not rows:
        return 0
    if connection.vendor == "postgresql":
        table = connection.ops.quote_name(model._meta.db_table)
        cols = ", ".join(
            connection.ops.quote_name(
                model._meta.get_field(c.removesuffix("_id")).column if c.endswith("_id") else c
            )
            for c in columns
        )
        with connection.cursor() as cur, cur.copy(f"COPY {table} ({cols}) FROM STDIN") as copy:
            for row in rows:
                copy.write_row(row)
        return len(rows)
    model.objects.bulk_create(
        [model(**dict(zip(columns, row, strict=True))) for row in rows], batch_size=2000
    )
    return len(rows)


def _chunks(items: list, size: int):
    for i in range(0, len(items), size):
        yield items[i : i + size]


def where_in(qs, column: str, values: list):
    """`qs` narrowed to rows whose `column` is one of `values`, in as few statements as reasonable: on
    PostgreSQL one array parameter per 100,000 values (building and parsing a 5,000-item IN list costs
    more than running it), elsewhere IN lists of 5,000."""
    values = list(values)
    if connection.vendor == "postgresql":
        where = f"{connection.ops.quote_name(qs.model._meta.db_table)}.{connection.ops.quote_name(column)} = ANY(%s)"
        for chunk in _chunks(values, 100_000):
            yield qs.extra(where=[where], params=[chunk])
    else:
        for chunk in _chunks(values, 5000):
            yield qs.filter(**{f"{column}__in": chunk})
