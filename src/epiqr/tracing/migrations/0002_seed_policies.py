"""The contact definitions EpiQR ships with; officers add versions as guidance changes."""

from datetime import date

from django.db import migrations

# Dwell assumed for an open check-in, by venue sector (minutes): a market visit is short, a workday long.
DWELL = {"retail": 45, "food": 60, "workplace": 240, "school": 240, "health": 90, "transport": 30, "event": 120}

POLICIES = [
    {
        "name": "overlap-15",
        "version": 1,
        "effective_from": date(2021, 4, 27),
        "rule": "overlap",
        "is_default": True,
        "description": "Presence overlapping the F0's by at least 15 minutes (2021 close-contact guidance).",
        "params": {"min_overlap_minutes": 15, "default_dwell_minutes": 60, "dwell_by_sector": DWELL},
    },
    {
        "name": "vn-window-60",
        "version": 1,
        "effective_from": date(2021, 9, 1),
        "rule": "window",
        "is_default": True,
        "description": "Checked in at the same venue within 60 minutes before or after the F0 (PC-Covid).",
        "params": {"window_minutes": 60, "high_risk_minutes": 15, "default_dwell_minutes": 60,
                   "dwell_by_sector": DWELL},
    },
    {
        "name": "cwa-weighted",
        "version": 1,
        "effective_from": date(2021, 4, 28),
        "rule": "cwa",
        "is_default": False,
        "description": "Corona-Warn-App presence tracing: 10-minute grid, 30-minute cap, weighted by risk level.",
        "params": {"grid_minutes": 10, "min_checkin_minutes": 10, "cap_minutes": 30,
                   "transmission_risk_level": 6, "trl_weights": [0, 0, 0.6, 0.8, 1.0, 1.2, 1.4, 1.6],
                   "high_risk_weighted_minutes": 10, "default_dwell_minutes": 60, "dwell_by_sector": DWELL},
    },
]


def seed(apps, schema_editor):
    TracingPolicy = apps.get_model("tracing", "TracingPolicy")
    for row in POLICIES:
        TracingPolicy.objects.update_or_create(name=row["name"], version=row["version"], defaults=row)


def unseed(apps, schema_editor):
    apps.get_model("tracing", "TracingPolicy").objects.filter(name__in=[p["name"] for p in POLICIES]).delete()


class Migration(migrations.Migration):
    dependencies = [("tracing", "0001_initial")]
    operations = [migrations.RunPython(seed, unseed)]
