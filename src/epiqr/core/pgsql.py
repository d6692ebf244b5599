"""PostgreSQL-only migration steps (SQLite, the embedded default, skips them)."""


def postgres_only(statements: list[str]):
    """A RunPython function that executes the statements on PostgreSQL and does nothing elsewhere."""

    def apply(apps, schema_editor):
        if schema_editor.connection.vendor != "postgresql":
            return
        for sql in statements:
            schema_editor.execute(sql)

    return apply
