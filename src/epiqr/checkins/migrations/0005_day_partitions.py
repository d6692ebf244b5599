"""The check-in table partitioned by day on PostgreSQL (checkins/partitions.py); SQLite keeps the plain
table. The per-item idempotency key moves to a receipts table, the phone's check-ins lose their foreign
key (a partitioned table's ids are unique only with the time), and the single-column foreign-key indexes
go (the composite indexes start with those columns)."""

from django.db import migrations, models
import django.db.models.deletion

from epiqr.checkins.partitions import migrate_backward, migrate_forward


class Migration(migrations.Migration):
    dependencies = [
        ("checkins", "0004_merge_20261203_1826"),
    ]

    operations = [
        migrations.AlterField(
            model_name="checkin",
            name="venue",
            field=models.ForeignKey(
                db_index=False,
                on_delete=django.db.models.deletion.PROTECT,
                related_name="+",
                to="venues.venue",
                verbose_name="venue",
            ),
        ),
        migrations.AlterField(
            model_name="checkin",
            name="person",
            field=models.ForeignKey(
                db_index=False,
                on_delete=django.db.models.deletion.PROTECT,
                related_name="+",
                to="people.person",
                verbose_name="person",
            ),
        ),
        migrations.AlterField(
            model_name="devicecheckin",
            name="checkin",
            field=models.OneToOneField(
                db_constraint=False,
                on_delete=django.db.models.deletion.CASCADE,
                primary_key=True,
                related_name="+",
                serialize=False,
                to="checkins.checkin",
            ),
        ),
        migrations.CreateModel(
            name="CheckInReceipt",
            fields=[
                ("client_id", models.UUIDField(primary_key=True, serialize=False, verbose_name="client id")),
                ("checked_in_at", models.DateTimeField(verbose_name="checked in at")),
            ],
            options={
                "verbose_name": "check-in receipt",
                "verbose_name_plural": "check-in receipts",
                "db_table": "checkins_receipt",
            },
        ),
        migrations.RunPython(migrate_forward, migrate_backward),
    ]
