"""On PostgreSQL, a trigram index so that name search (`name_folded LIKE '%...%'`) stays fast with
millions of people; SQLite keeps the plain index."""

from django.db import migrations

from epiqr.core.pgsql import postgres_only

FORWARD = [
    "CREATE EXTENSION IF NOT EXISTS pg_trgm",
    "CREATE INDEX IF NOT EXISTS people_person_name_trgm ON people_person USING gin (name_folded gin_trgm_ops)",
]
BACKWARD = ["DROP INDEX IF EXISTS people_person_name_trgm"]


class Migration(migrations.Migration):
    dependencies = [("people", "0003_national_qr_kind")]
    operations = [migrations.RunPython(postgres_only(FORWARD), postgres_only(BACKWARD))]
