"""The testing domain's SQL helper: long id lists as array parameters (plain rows into its tables go
through core.pgsql.rows_insert, the one COPY writer)."""

from django.db import connection


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
