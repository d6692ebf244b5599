"""Demo dashboards: made-up populations for the demo province's communes (rates need them), the
counts rebuilt from what the other domains' demos recorded, and two weeks of level history, so the
province officer (demo-tinh) lands on a dashboard with a level, its reasons and a curve."""

from datetime import timedelta

from epiqr.core.timeutil import local_today

from .services import (
    activity_refresh,
    clusters_refresh,
    coverage_refresh,
    day_counts_refresh,
    levels_recompute,
    occupancy_refresh,
    population_set,
)


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
    activity_refresh(days={today - timedelta(days=i) for i in range(28)})
    occupancy_refresh()
    clusters_refresh()
    coverage_refresh()
    for i in range(13, -1, -1):
        levels_recompute(day=today - timedelta(days=i), trigger="daily")
    _campaign(world, province, today)
    world["logins"].append(
        (
            "demo-tinh",
            world["password"],
            "Epidemic dashboard: /dashboards/ (levels with their reasons, curve, tests by commune)",
        )
    )


UNREGISTERED = (
    ("Nhà nghỉ Hoa Mai", "lodging"),
    ("Quầy thuốc Bình An", "health"),
    ("Trường Tiểu học Thử Nghiệm", "school"),
    ("Chợ tạm Thử", "retail"),
    ("Bến xe Thử", "transport"),
    ("Quán cơm Thử Nghiệm", "food"),
)


# The agencies of each sector (venues.models.SECTOR_AGENCY) as a province's officers type them in their
# sheets: data, in Vietnamese and abbreviated whatever the page's language.
AGENCIES_AS_TYPED = {
    "health": "Sở YT",
    "school": "Sở GD&ĐT",
    "lodging": "Sở DL",
    "retail": "Sở CT",
    "food": "Sở CT",
    "workplace": "Sở NV / BQL các KCN",
    "transport": "Sở GTVT",
    "religious": "Ban TG",
    "event": "Sở VH&TT",
    "other": "UBND cấp xã",
}


def _campaign(world: dict, province, today) -> None:
    """A Huế-like campaign: each sector given to a department with a deadline, a list of units that must
    deploy (most of the demo venues, typed the way an agency's sheet types them, and a few units that
    have not registered), matched to the venues; today's progress stored."""
    from .deployment import deployment_snapshot, targets_match
    from .models import DeploymentTarget, SectorDeadline

    rng = world["rng"]
    agencies = {sector: f"{agency} {province.name}" for sector, agency in AGENCIES_AS_TYPED.items()}
    for i, sector in enumerate(agencies):
        SectorDeadline.objects.update_or_create(
            province=province,
            sector=sector,
            defaults={"agency": agencies[sector], "deadline": today + timedelta(days=(i % 5) * 3 - 3)},
        )
    targets = []
    for venue in world.get("venues", [])[:400]:
        if rng.random() < 0.8:
            targets.append(
                DeploymentTarget(
                    province=province,
                    commune_id=venue.commune_id,
                    name=venue.name.upper(),
                    address=venue.address,
                    sector=venue.sector,
                    agency=agencies.get(venue.sector, ""),
                    phone=venue.phone,
                )
            )
    communes = world["communes"]
    for n in range(30):
        name, sector = UNREGISTERED[n % len(UNREGISTERED)]
        targets.append(
            DeploymentTarget(
                province=province,
                commune=communes[n % len(communes)],
                name=f"{name} {n + 1}",
                address=f"{n + 1} Phố Thử",
                sector=sector,
                agency=agencies.get(sector, ""),
                phone=f"09120{n:05d}",
                contact="Người liên hệ (demo)",
            )
        )
    DeploymentTarget.objects.bulk_create(targets)
    targets_match(province_id=province.pk)
    deployment_snapshot(day=today)
