"""PostgreSQL-only helpers: migration steps (SQLite, the embedded default, skips them) and array parameters."""


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
