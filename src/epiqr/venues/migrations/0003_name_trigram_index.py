"""On PostgreSQL, a trigram index so that venue search by name (`name_folded LIKE` ...) stays fast."""

from django.db import migrations

from epiqr.core.pgsql import postgres_only

FORWARD = [
    "CREATE EXTENSION IF NOT EXISTS pg_trgm",
    "CREATE INDEX IF NOT EXISTS venues_venue_name_trgm ON venues_venue USING gin (name_folded gin_trgm_ops)",
]
BACKWARD = ["DROP INDEX IF EXISTS venues_venue_name_trgm"]


class Migration(migrations.Migration):
    dependencies = [("venues", "0002_alter_venue_options_alter_venue_address_and_more")]
    operations = [migrations.RunPython(postgres_only(FORWARD), postgres_only(BACKWARD))]
