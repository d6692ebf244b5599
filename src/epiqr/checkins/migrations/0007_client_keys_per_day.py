"""The check-in's client id becomes unique per day partition on PostgreSQL, and only the keys phones and
imports choose still take a receipt: a live visit's key names a 5-minute slot, which lies within one
local day, so its partition's unique index holds it (checkins.partitions.client_keys_build). The indexes
are built CONCURRENTLY partition by partition while check-ins go on being written, hence a migration
outside a transaction. SQLite keeps its unique column: nothing changes there."""

from django.db import migrations

from epiqr.checkins import partitions


def forward(apps, schema_editor):
    if schema_editor.connection.vendor == "postgresql" and partitions.table_partitioned():
        partitions.client_keys_build()


def backward(apps, schema_editor):
    if schema_editor.connection.vendor == "postgresql" and partitions.table_partitioned():
        partitions.client_keys_drop()


class Migration(migrations.Migration):
    atomic = False

    dependencies = [
        ("checkins", "0006_venue_cover"),
    ]

    operations = [migrations.RunPython(forward, backward)]
