import django.db.models.deletion
from django.db import migrations, models


def stored_as_is(apps, schema_editor):
    """PostgreSQL keeps the packed value out of line uncompressed: compressing tens of megabytes would
    cost the officer's run more than writing them."""
    if schema_editor.connection.vendor == "postgresql":
        table = apps.get_model("tracing", "ContactPack")._meta.db_table
        schema_editor.execute(f"ALTER TABLE {table} ALTER COLUMN data SET STORAGE EXTERNAL")


class Migration(migrations.Migration):

    dependencies = [
        ('tracing', '0009_outbox_commune'),
    ]

    operations = [
        migrations.CreateModel(
            name='ContactPack',
            fields=[
                ('run', models.OneToOneField(on_delete=django.db.models.deletion.CASCADE, primary_key=True, related_name='pack', serialize=False, to='tracing.tracingrun', verbose_name='run')),
                ('total', models.PositiveIntegerField(verbose_name='contacts packed')),
                ('filed', models.PositiveIntegerField(default=0, verbose_name='contacts filed')),
                ('data', models.BinaryField(default=bytes)),
                ('filed_at', models.DateTimeField(blank=True, null=True, verbose_name='filed at')),
            ],
            options={
                'verbose_name': 'packed contacts of a run',
                'verbose_name_plural': 'packed contacts of runs',
            },
        ),
        migrations.RunPython(stored_as_is, migrations.RunPython.noop),
    ]
