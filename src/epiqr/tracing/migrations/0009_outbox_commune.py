"""The messages already sent about contacts and runs get the commune they belong to (notify 0005): the
outbox scopes officers by it from now on (tracing.apps registers the rule for new messages)."""

from django.db import migrations


def backfill(apps, schema_editor):
    qn = schema_editor.quote_name
    message, contact, run, case = (
        qn(apps.get_model(app, name)._meta.db_table)
        for app, name in (
            ("notify", "OutboundMessage"),
            ("tracing", "Contact"),
            ("tracing", "TracingRun"),
            ("cases", "Case"),
        )
    )
    # The subquery runs for the rows the WHERE keeps, whose related_id is the object's integer key.
    schema_editor.execute(
        f"UPDATE {message} SET commune_id = (SELECT c.commune_id FROM {contact} c "
        f"WHERE c.id = CAST({message}.related_id AS BIGINT)) "
        "WHERE related_type = 'tracing.contact' AND commune_id IS NULL"
    )
    schema_editor.execute(
        f"UPDATE {message} SET commune_id = (SELECT k.commune_id FROM {run} r JOIN {case} k ON k.id = r.case_id "
        f"WHERE r.id = CAST({message}.related_id AS BIGINT)) "
        "WHERE related_type = 'tracing.tracingrun' AND commune_id IS NULL"
    )


class Migration(migrations.Migration):
    dependencies = [("tracing", "0008_contact_new_case_unconstrained"), ("notify", "0005_outbox_commune")]
    operations = [migrations.RunPython(backfill, migrations.RunPython.noop)]
