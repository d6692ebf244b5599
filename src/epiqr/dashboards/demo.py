"""Demo dashboards: made-up populations for the demo province's communes (rates need them), the
counts rebuilt from what the other domains' demos recorded, and two weeks of level history, so the
province officer (demo-tinh) lands on a dashboard with a level, its reasons and a curve."""

from datetime import timedelta

from epiqr.core.timeutil import local_today

from .services import day_counts_refresh, levels_recompute, population_set


def populate(world: dict) -> None:
    province = world.get("province")
    if province is None:
        return
    rng = world["rng"]
    for commune in province.communes.all():
        population_set(
            commune_id=commune.pk,
            population=rng.randrange(8_000, 60_000, 100),
            source="Số liệu minh hoạ (demo)",
        )
    today = local_today()
    day_counts_refresh(days={today - timedelta(days=i) for i in range(90)})
    for i in range(13, -1, -1):
        levels_recompute(day=today - timedelta(days=i), trigger="daily")
    world["logins"].append(
        (
            "demo-tinh",
            world["password"],
            "Epidemic dashboard: /dashboards/ (levels with their reasons, curve, tests by commune)",
        )
    )
