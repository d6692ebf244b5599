from django.db import migrations


def load(apps, schema_editor):
    from epiqr.geo.services import units_load

    units_load(province_model=apps.get_model("geo", "Province"), commune_model=apps.get_model("geo", "Commune"))


class Migration(migrations.Migration):
    dependencies = [("geo", "0001_initial")]
    operations = [migrations.RunPython(load, migrations.RunPython.noop)]
