"""The venue index of the check-in table becomes covering on PostgreSQL: (venue, check-in time) INCLUDE
(person, id, check-out time), so that tracing reads who was at a venue around a visit from the index
alone. On the partitioned table it is built partition by partition, CONCURRENTLY, while check-ins go on
being written (checkins.partitions.venue_cover_build; hence a migration outside a transaction). A
database created after this change already has it (checkins.partitions.INDEXES). SQLite has no INCLUDE:
its index is (venue, check-in time)."""

from django.db import migrations, models

from epiqr.checkins import partitions

OLD = models.Index(fields=["venue", "checked_in_at", "person"], name="checkin_venue_time")
NEW = models.Index(
    fields=["venue", "checked_in_at"], include=["person", "id", "checked_out_at"], name="checkin_venue_cover"
)


def forward(apps, schema_editor):
    model = apps.get_model("checkins", "CheckIn")
    if schema_editor.connection.vendor == "postgresql" and partitions.table_partitioned():
        partitions.venue_cover_build()
    else:
        schema_editor.remove_index(model, OLD)
        schema_editor.add_index(model, NEW)


def backward(apps, schema_editor):
    model = apps.get_model("checkins", "CheckIn")
    if schema_editor.connection.vendor == "postgresql":
        schema_editor.execute(f"DROP INDEX IF EXISTS {NEW.name}")
        schema_editor.execute(
            f"CREATE INDEX IF NOT EXISTS {OLD.name} ON {model._meta.db_table} (venue_id, checked_in_at, person_id)"
        )
    else:
        schema_editor.remove_index(model, NEW)
        schema_editor.add_index(model, OLD)


class Migration(migrations.Migration):
    atomic = False

    dependencies = [
        ("checkins", "0005_day_partitions"),
    ]

    operations = [
        migrations.SeparateDatabaseAndState(
            state_operations=[
                migrations.RemoveIndex(model_name="checkin", name="checkin_venue_time"),
                migrations.AddIndex(model_name="checkin", index=NEW),
            ],
            database_operations=[migrations.RunPython(forward, backward)],
        )
    ]
