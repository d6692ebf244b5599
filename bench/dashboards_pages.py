"""Dashboards benchmark (issue 16): every dashboard page under 200 ms on PostgreSQL at national volume, and
the epidemic levels of all 3,321 communes recomputed in under 5 s.

The world (built once; `--keep` a cluster to measure it again):
- `epiqr synth`'s venues, people and check-ins (`--venues`, `--people`, `--checkins` over `--days` days
  ending today, in Hà Nội), rolled up by the check-ins domain's own `venue_counts_rollup`;
- a year of cases across every commune of the country (`--cases-per-day`, written with INSERT ... SELECT
  generate_series; the last 14 days active), populations for all 3,321 communes;
- then the dashboards' own refresh services, each timed: the counts of a year (`day_counts_refresh`),
  the activity of the check-in days (`activity_refresh`), occupancy now, clusters, coverage;
- the levels: `levels_recompute` for today timed (the target), and a year of level history written
  with generate_series (3,321 x 365 rows, as a year of nightly runs leaves it).

The pages are measured in-process through Django's test client with DEBUG off, as the province officer of
Hà Nội and as an administrator (the whole country), each `--repeat` times, medians and maxima, with the
baseline of the same run (`/accounts/me/`, a staff page with no list): the ratio is printed.

    .venv/bin/python tools/with_postgres.py --keep /var/tmp/epiqr-dash -- .venv/bin/python bench/dashboards_pages.py
    .venv/bin/python tools/with_postgres.py -- .venv/bin/python bench/dashboards_pages.py \\
        --venues 5000 --people 200000 --checkins 2000000 --cases-per-day 200 --repeat 5   # a quick look
"""

import argparse
import os
import statistics
import sys
import time
from datetime import timedelta


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--venues", type=int, default=50_000)
    ap.add_argument("--people", type=int, default=2_000_000)
    ap.add_argument("--checkins", type=int, default=20_000_000)
    ap.add_argument("--days", type=int, default=21, help="days of check-ins (the retention period)")
    ap.add_argument("--cases-per-day", type=int, default=1_000)
    ap.add_argument("--repeat", type=int, default=15)
    ap.add_argument(
        "--pages-only",
        action="store_true",
        help="a kept world already built and refreshed: measure the pages only (to compare two versions of "
        "the code on one world, alternately)",
    )
    args = ap.parse_args()

    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "epiqr.settings")
    os.environ.setdefault("EPIQR_DEBUG", "0")
    sys.path.insert(0, os.path.join(os.path.dirname(__file__), "..", "src"))
    sys.path.insert(0, os.path.join(os.path.dirname(__file__), ".."))
    import django

    django.setup()
    from django.core.management import call_command
    from django.db import connection
    from django.test.utils import override_settings

    if connection.vendor != "postgresql":
        sys.exit("run through tools/with_postgres.py: the figures that matter are PostgreSQL's")
    call_command("migrate", verbosity=0)
    from bench.checkins_common import machine

    print(f"machine: {machine()}; load average {os.getloadavg()[0]:.1f} at the start")
    world = _world() if args.pages_only else build(args)
    static = {"staticfiles": {"BACKEND": "django.contrib.staticfiles.storage.StaticFilesStorage"}}
    with override_settings(STORAGES={**django.conf.settings.STORAGES, **static}):
        pages(world, args)
    print(f"load average {os.getloadavg()[0]:.1f} at the end")


def timed(label: str, fn, *a, **kw):
    started = time.perf_counter()
    result = fn(*a, **kw)
    print(f"{(time.perf_counter() - started):8.2f} s  {label} -> {result}")
    return result


def build(args) -> dict:
    from django.db import connection

    from epiqr.accounts.models import User
    from epiqr.cases.models import Case
    from epiqr.checkins.services import venue_counts_rollup
    from epiqr.core.permissions import Role
    from epiqr.core.timeutil import local_today
    from epiqr.dashboards import services
    from epiqr.dashboards.models import AreaPopulation, LevelAssessment
    from epiqr.geo.models import Commune, Province
    from epiqr.geo.services import units_load
    from epiqr.people.models import Person
    from epiqr.tracing.synth import synth_world
    from epiqr.venues.models import Venue

    if not Province.objects.exists():
        units_load()
    today = local_today()
    started = time.perf_counter()
    if Venue.objects.count() < args.venues:
        synth_world(
            venues=args.venues, people=args.people, checkins=args.checkins, days=args.days, last_day=today
        )
    # The check-ins domain's daily rollup (the scheduler runs it as check-ins arrive); also for a world made
    # by `epiqr synth` beforehand.
    from epiqr.checkins.models import VenueDailyCount

    rolled = set(VenueDailyCount.objects.values_list("day", flat=True).distinct())
    for i in range(args.days):
        if today - timedelta(days=i) not in rolled:
            timed(
                f"venue_counts_rollup {today - timedelta(days=i)}",
                venue_counts_rollup,
                day=today - timedelta(days=i),
            )
    communes = list(Commune.objects.order_by("code").values_list("code", flat=True))
    people = list(
        Person.objects.order_by("pk").values_list("pk", flat=True)[:: max(args.people // 50_000, 1)]
    )
    have = Case.objects.count()
    wanted = args.cases_per_day * 365
    with connection.cursor() as cur:
        if have < wanted:
            cur.execute(
                """
                INSERT INTO cases_case (person_id, confirmed_on, onset_on, status, source, commune_id,
                    override_reason, created_at)
                SELECT (%s::bigint[])[1 + i %% %s], %s::date - (i %% 365),
                    CASE WHEN i %% 4 = 0 THEN NULL ELSE %s::date - (i %% 365) - (i %% 5) END,
                    CASE WHEN i %% 365 < 14 THEN 'active' ELSE 'recovered' END, 'officer',
                    (%s::int[])[1 + (i::bigint * 7919) %% %s], '', now()
                FROM generate_series(%s + 1, %s) AS i
                """,
                [people, len(people), today, today, communes, len(communes), have, wanted],
            )
        if AreaPopulation.objects.count() < len(communes):
            cur.execute(
                """
                INSERT INTO dashboards_areapopulation (commune_id, population, adults, source, updated_at)
                SELECT c, 5000 + (c * 7919) %% 60000, NULL, 'bench', now() FROM unnest(%s::int[]) AS c
                ON CONFLICT (commune_id) DO NOTHING
                """,
                [communes],
            )
    _care_beds()
    _safety_assessments(share=0.3)
    print(
        f"world built in {time.perf_counter() - started:.0f}s: {Venue.objects.count():,} venues, "
        f"{Person.objects.count():,} people, {Case.objects.count():,} cases in {len(communes):,} communes"
    )
    print("\nrefresh jobs (background, timed once):")
    timed(
        "day_counts_refresh: a year of cases and tests",
        services.day_counts_refresh,
        days={today - timedelta(days=i) for i in range(365)},
    )
    timed(
        f"activity_refresh: {args.days} days of check-ins",
        services.activity_refresh,
        days={today - timedelta(days=i) for i in range(args.days)},
    )
    timed(
        "activity_refresh: today and yesterday (every 5 minutes)",
        services.activity_refresh,
        days={today, today - timedelta(days=1)},
    )
    if hasattr(services, "active_counts_refresh"):  # the read model of active cases (dashboards 0006)
        timed("active_counts_refresh: every commune (nightly)", services.active_counts_refresh)
    timed("occupancy_refresh (every 5 minutes)", services.occupancy_refresh)
    timed("coverage_refresh (hourly)", services.coverage_refresh)
    timed("clusters_refresh (every 5 minutes)", services.clusters_refresh)
    print("\nlevels (target: all communes under 5 s):")
    for run in range(3):
        timed(
            f"levels_recompute, all {len(communes):,} communes and their provinces (run {run + 1})",
            services.levels_recompute,
            day=today,
            trigger="on_demand",
        )
    with connection.cursor() as cur:  # a year of nightly history before today
        if LevelAssessment.objects.filter(day__lt=today).count() < 300 * len(communes):
            cur.execute(
                """
                INSERT INTO dashboards_levelassessment (kind, code, day, level, rate, policy, reasons,
                    inputs, trigger, computed_at)
                SELECT 'commune', c, %s::date - d, 1 + (c + d) %% 4, ((c + d) %% 200)::float, 'qd4800-2021',
                    '[]'::jsonb, '{}'::jsonb, 'daily', now()
                FROM unnest(%s::int[]) AS c, generate_series(1, 365) AS d
                ON CONFLICT DO NOTHING
                """,
                [today, communes],
            )
    connection.ensure_connection()
    autocommit = connection.get_autocommit()
    connection.set_autocommit(True)
    with connection.cursor() as cur:
        cur.execute("VACUUM ANALYZE")
    connection.set_autocommit(autocommit)
    province = Province.objects.get(code=1)
    officer = User.objects.filter(username="bench-tinh").first() or User.objects.create(
        username="bench-tinh", role=Role.PROVINCE_OFFICER, province=province
    )
    admin = User.objects.filter(username="bench-admin").first() or User.objects.create(
        username="bench-admin", role=Role.ADMIN, is_staff=True, is_superuser=True
    )
    commune = Commune.objects.filter(province=province).order_by("code").first()
    return {"officer": officer, "admin": admin, "commune": commune, "province": province}


def _world() -> dict:
    """The readers and places of a world `build` made before."""
    from epiqr.accounts.models import User
    from epiqr.geo.models import Commune, Province

    province = Province.objects.get(code=1)
    return {
        "officer": User.objects.get(username="bench-tinh"),
        "admin": User.objects.get(username="bench-admin"),
        "commune": Commune.objects.filter(province=province).order_by("code").first(),
        "province": province,
    }


def _care_beds() -> None:
    """Treatment beds in every province (three facilities, one per tier), so criterion 3 of the level is
    computed from the care domain's capacity selector: about one province in three short of ICU beds."""
    from epiqr.care.models import BedPool, Facility
    from epiqr.geo.models import Commune, Province

    if Facility.objects.exists():
        return
    pools = []
    for province in Province.objects.order_by("code"):
        commune = Commune.objects.filter(province=province).order_by("code").first()
        for tier in (1, 2, 3):
            facility = Facility.objects.create(
                name=f"Cơ sở điều trị tầng {tier} ({province.code})", tier=tier, commune=commune,
                latitude=16.0, longitude=106.0,
            )  # fmt: skip
            icu = 0 if tier < 3 else (20 if province.code % 3 == 0 else 400)
            for kind, total in (("normal", 500 * (4 - tier)), ("oxygen", 100 * tier), ("icu", icu)):
                if total:
                    pools.append(BedPool(facility=facility, kind=kind, total=total, occupied=total // 2))
    BedPool.objects.bulk_create(pools)


def _safety_assessments(*, share: float) -> None:
    """Owners' COVID-safety self-assessments for a share of the venues (the safe-venue map reads them),
    written straight to the table as a year of owners' forms would leave it: one in force per venue."""
    from epiqr.core.timeutil import now
    from epiqr.venues.models import SafetyAssessment, Venue

    if SafetyAssessment.objects.exists():
        return
    step = max(int(1 / share), 1)
    today = _today()
    rows = [
        SafetyAssessment(
            venue_id=v, checklist="self-check-2020", answers={}, status=("safe", "at_risk", "high_risk")[v % 3],
            assessed_at=now(), valid_until=today + timedelta(days=v % 14),
        )
        for v in Venue.objects.order_by("pk").values_list("pk", flat=True)[::step]
    ]  # fmt: skip
    SafetyAssessment.objects.bulk_create(rows, batch_size=5000)


def _today():
    from epiqr.core.timeutil import local_today

    return local_today()


def _client(user):
    from django.test import Client
    from django_otp import DEVICE_ID_SESSION_KEY
    from django_otp.plugins.otp_totp.models import TOTPDevice

    client = Client()
    client.force_login(user)
    device = TOTPDevice.objects.filter(user=user).first() or TOTPDevice.objects.create(
        user=user, name="bench", confirmed=True
    )
    session = client.session
    session[DEVICE_ID_SESSION_KEY] = device.persistent_id
    session.save()
    return client


def pages(world, args) -> list[tuple[str, str, float, float, float]]:
    """Every dashboard page as each reader; returns (who, title, median, p95, max) in ms."""
    from django.core.cache import cache
    from django.test import Client

    c = world["commune"].pk
    p = world["province"].pk
    staff = [
        ("baseline · /accounts/me/ (a staff page, no list)", "/accounts/me/"),
        ("epidemic dashboard · 14 days", "/dashboards/"),
        ("epidemic dashboard · 90 days", "/dashboards/?days=90"),
        ("epidemic dashboard · one commune", f"/dashboards/?commune={c}"),
        ("levels of every commune · page 1 (50)", "/dashboards/levels/"),
        ("levels of every commune · 200 a page, page 3", "/dashboards/levels/?page_size=200&page=3"),
        ("levels · level 4 only", "/dashboards/levels/?level=4"),
        ("levels · provinces", "/dashboards/levels/?kind=province"),
        ("level history of a commune", f"/dashboards/levels/commune/{c}/"),
        ("map", "/dashboards/map/"),
        ("activity · 14 days", "/dashboards/activity/"),
        ("activity · 90 days", "/dashboards/activity/?days=90"),
        ("activity · one commune", f"/dashboards/activity/?commune={c}"),
        ("deployment", "/dashboards/deployment/"),
        ("API · curve", "/api/v1/dashboards/curve"),
        ("API · levels (paged, 200)", "/api/v1/dashboards/levels?page_size=200"),
        ("API · levels of a province, level 3", f"/api/v1/dashboards/levels?province={p}&level=3"),
        ("API · level history", f"/api/v1/dashboards/levels/commune/{c}"),
        ("API · activity", "/api/v1/dashboards/activity"),
        ("API · activity hours", "/api/v1/dashboards/activity/hours"),
        ("API · occupancy", "/api/v1/dashboards/occupancy"),
        ("API · map", "/api/v1/dashboards/map"),
        ("API · deployment", "/api/v1/dashboards/deployment"),
    ]
    admin_only = [
        ("whole country by province · 90 days", "/dashboards/?days=90"),
        ("a province opened (drill-down) · 14 days", f"/dashboards/?province={p}"),
        ("a province opened · activity", f"/dashboards/activity/?province={p}"),
        ("levels of one province · 200 a page", f"/dashboards/levels/?province={p}&page_size=200"),
    ]
    public = [
        ("open data page · Hà Nội, 28 days", "/dashboards/open/?province=1"),
        ("open data CSV · Hà Nội, 92 days", "/dashboards/open/data.csv?province=1&since=" + _since(92)),
        ("open data JSON · Hà Nội, 28 days", "/dashboards/open/data.json?province=1"),
        (
            "safe-venue map · one commune (with owners' self-assessments)",
            f"/dashboards/open/venues/?commune={c}",
        ),
    ]
    results = []
    for who in ("officer", "admin"):
        client = _client(world[who])
        print(
            f"\npages as the {'province officer of Hà Nội' if who == 'officer' else 'administrator (whole country)'}"
            f" ({args.repeat} runs each; median, p95, max; target < 200 ms):"
        )
        base = None
        for title, url in staff + (admin_only if who == "admin" else []):
            median, p95, top = measure(client, url, args.repeat)
            if title.startswith("baseline"):
                base = median
            ratio = f"{median / base:5.1f}x baseline" if base and not title.startswith("baseline") else ""
            flag = "  OVER 200 ms" if median >= 200 else ""
            print(f"{median:8.1f} ms  p95 {p95:7.1f}  max {top:7.1f}  {title}  {ratio}{flag}", flush=True)
            results.append((who, title, median, p95, top))
    from epiqr.dashboards.selectors import open_data_changed

    print(
        f"\npublic pages, nobody logged in ({args.repeat} runs each; apart: the first with nothing cached, and"
        " the median of the first request after new counts arrived, as after every case of a busy day):"
    )
    anon = Client()

    def once(url: str) -> float:
        started = time.perf_counter()
        body = anon.get(url)
        if hasattr(body, "streaming_content"):
            b"".join(body.streaming_content)
        return (time.perf_counter() - started) * 1000

    for title, url in public:
        cache.clear()
        cold = once(url)
        fresh = []
        for _ in range(args.repeat):
            open_data_changed()
            fresh.append(once(url))
        median, p95, top = measure(anon, url, args.repeat)
        print(
            f"{median:8.1f} ms  p95 {p95:7.1f}  max {top:7.1f}  nothing cached {cold:7.1f}  after new counts "
            f"{statistics.median(fresh):7.1f}  {title}",
            flush=True,
        )
        results.append(("public", title, median, p95, top))
    return results


def _since(days: int) -> str:
    from epiqr.core.timeutil import local_today

    return (local_today() - timedelta(days=days - 1)).isoformat()


def measure(client, url: str, repeat: int) -> tuple[float, float, float]:
    client.get(url)  # warm: connection, templates
    times = []
    for _ in range(repeat):
        started = time.perf_counter()
        response = client.get(url)
        if hasattr(response, "streaming_content"):
            b"".join(response.streaming_content)
        times.append((time.perf_counter() - started) * 1000)
        assert response.status_code == 200, (url, response.status_code)
    times.sort()
    p95 = times[min(len(times) - 1, round(0.95 * (len(times) - 1)))]
    return statistics.median(times), p95, max(times)


if __name__ == "__main__":
    main()
