import epiqr.testing.slipcode
from django.db import migrations, models


class Migration(migrations.Migration):
    """Members sampled before this migration get no code (added blank, then the default for new rows is
    a fresh random code each): printing their slips again gives them one (services.slip_codes_ensure)."""

    dependencies = [
        ("testing", "0002_lean_member_indexes"),
    ]

    operations = [
        migrations.AddField(
            model_name="tubemember",
            name="slip_code",
            field=models.CharField(blank=True, default="", max_length=11),
        ),
        migrations.AlterField(
            model_name="tubemember",
            name="slip_code",
            field=models.CharField(blank=True, default=epiqr.testing.slipcode.new, max_length=11),
        ),
    ]
