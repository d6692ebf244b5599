"""Care benchmark: routing a surge of new F0s (issue 13: 10,000 in one surge against 2,000 facilities,
under 10 s, no bed double-booked), on PostgreSQL.

The world: 2,000 made-up facilities at commune points of the whole country (care.places, the
vietnamadminunits coordinates) moved by up to ~1 km, tiers 1/2/3 in the proportions 60/30/10 %, each with
beds of the kinds its tier keeps, some occupied; 10,000 F0s confirmed today in Hà Nội and its neighbours
(persons, cases and care records written with bulk inserts), severities mild 70 %, moderate 20 %, severe
8 %, critical 2 %.

Measured, --repeat times, medians (the machine is shared: the load average is printed):
- `routing.route_surge` alone (pure, numpy), and the baseline of the same run: one vectorised great-circle
  distance from every F0 to every facility of its tier (the arithmetic floor any nearest-facility search
  pays), so the ratio says what the bookkeeping (reserve, ties, beds left) costs over it;
- `services.routings_surge` end to end as a province officer: read the beds and the day's patients
  (plain rows), route, reserve each proposal's bed (one conditional UPDATE per facility and kind), write
  the 10,000 routings (COPY); the routings and reservations are cleared between repeats.
Then the check: no pool over its total, each pool's reserved beds exactly its proposals holding one, and
no facility given more than its free beds over the reserve.

    .venv/bin/python tools/with_postgres.py --durable -- .venv/bin/python bench/care_routing.py
    .venv/bin/python tools/with_postgres.py -- .venv/bin/python bench/care_routing.py --cases 2000 --facilities 400 --repeat 3
"""

import argparse
import os
import random
import statistics
import sys
import time


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--cases", type=int, default=10_000)
    ap.add_argument("--facilities", type=int, default=2_000)
    ap.add_argument("--repeat", type=int, default=5)
    args = ap.parse_args()

    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "epiqr.settings")
    os.environ.setdefault("EPIQR_DEBUG", "0")
    sys.path.insert(0, os.path.join(os.path.dirname(__file__), "..", "src"))
    import django

    django.setup()
    from django.core.management import call_command
    from django.db import connection

    if connection.vendor != "postgresql":
        sys.exit("run through tools/with_postgres.py")
    call_command("migrate", verbosity=0)
    rng = random.Random(13)
    officer = build(args, rng)
    print(
        f"world: {args.facilities:,} facilities, {args.cases:,} F0s confirmed today; "
        f"load average {os.getloadavg()[0]:.1f} on {os.cpu_count()} CPUs"
    )
    floor = pure(args)
    end_to_end(args, officer, floor)


def build(args, rng):
    from epiqr.accounts.models import User
    from epiqr.care.models import BedPool, Facility, Patient
    from epiqr.care.places import commune_points
    from epiqr.cases.models import Case
    from epiqr.core.permissions import Role
    from epiqr.core.timeutil import local_today
    from epiqr.geo.models import Commune, Province
    from epiqr.geo.services import units_load
    from epiqr.people.models import Person

    if not Province.objects.exists():
        units_load()
    points = commune_points()
    communes = [c for c in Commune.objects.values_list("code", "province_id") if c[0] in points]
    hanoi = Province.objects.get(code=1)
    near = [c for c, p in communes if p in (1, 24, 19, 25, 33)] or [c for c, _p in communes]
    Facility.objects.all().delete()
    kinds = {
        1: (("normal", 40, 160),),
        2: (("normal", 10, 40), ("oxygen", 20, 80)),
        3: (("oxygen", 20, 80), ("icu", 5, 30)),
    }
    facilities = []
    for i in range(args.facilities):
        code = rng.choice(near) if i < args.facilities // 2 else rng.choice(communes)[0]
        lat, lon = points[code]
        tier = rng.choices((1, 2, 3), weights=(60, 30, 10))[0]
        facilities.append(
            Facility(
                name=f"Cơ sở thử {i}",
                tier=tier,
                commune_id=code,
                latitude=lat + rng.uniform(-0.01, 0.01),
                longitude=lon + rng.uniform(-0.01, 0.01),
            )  # fmt: skip
        )
    facilities = Facility.objects.bulk_create(facilities, batch_size=1000)
    pools = []
    for f in facilities:
        for kind, low, high in kinds[f.tier]:
            total = rng.randint(low, high)
            pools.append(BedPool(facility=f, kind=kind, total=total, occupied=rng.randint(0, total // 2)))
    BedPool.objects.bulk_create(pools, batch_size=2000)
    officer = User.objects.filter(username="bench-care").first() or User.objects.create(
        username="bench-care", role=Role.PROVINCE_OFFICER, province=hanoi
    )
    today = local_today()
    hanoi_communes = [c for c, p in communes if p == 1]
    people = Person.objects.bulk_create(
        [Person(full_name=f"Người thử {i}", name_folded=f"nguoi thu {i}", birth_year=1980, commune_id=rng.choice(hanoi_communes)) for i in range(args.cases)],
        batch_size=2000,
    )  # fmt: skip
    cases = Case.objects.bulk_create(
        [Case(person=p, confirmed_on=today, commune_id=p.commune_id, source="bench") for p in people],
        batch_size=2000,
    )
    levels = rng.choices(("mild", "moderate", "severe", "critical"), weights=(70, 20, 8, 2), k=len(cases))
    Patient.objects.bulk_create(
        [Patient(case=c, person_id=c.person_id, commune_id=c.commune_id, severity=lv) for c, lv in zip(cases, levels, strict=True)],
        batch_size=2000,
    )  # fmt: skip
    return officer


def pure(args):
    import numpy as np

    from epiqr.care import routing, selectors, services
    from epiqr.care.models import Patient

    beds = selectors.facility_beds()
    patients = list(Patient.objects.filter(status="confirmed").select_related("facility").order_by("pk"))
    needs = [services._need_of(p) for p in patients]
    surge, floor = [], []
    for _ in range(args.repeat):
        t = time.perf_counter()
        proposals = routing.route_surge(needs, beds)
        surge.append(time.perf_counter() - t)
        t = time.perf_counter()
        by_tier = {}
        for tier in (1, 2, 3):
            chosen = [f for f in beds if f.tier == tier]
            by_tier[tier] = (np.array([f.lat for f in chosen]), np.array([f.lon for f in chosen]))
        for n in needs:
            lats, lons = by_tier[n.tier]
            routing.distances_km(n.lat, n.lon, lats, lons).argmin()
        floor.append(time.perf_counter() - t)
    escalated = sum(p.escalate for p in proposals)
    s, f = statistics.median(surge), statistics.median(floor)
    print(
        f"route_surge (pure): {s:.3f} s median of {args.repeat}; baseline (distances only) {f:.3f} s; ratio {s / f:.2f}"
    )
    print(f"  {len(proposals) - escalated:,} proposed, {escalated:,} escalated to the province")
    return f


def end_to_end(args, officer, floor):
    from django.db import connection

    from epiqr.care import routing, services
    from epiqr.care.models import BedPool, Routing

    start = {
        pk: (occupied, reserved)
        for pk, occupied, reserved in BedPool.objects.values_list("pk", "occupied", "reserved")
    }
    times = []
    for _ in range(args.repeat):
        Routing.objects.all().delete()
        BedPool.objects.update(reserved=0)  # the world's pools start with nothing reserved
        t = time.perf_counter()
        result = services.routings_surge(actor=officer)
        times.append(time.perf_counter() - t)
    e = statistics.median(times)
    print(f"routings_surge (read, route, reserve, write): {e:.3f} s median of {args.repeat} "
          f"(ratio {e / floor:.2f} to the distances-only baseline) for {result.proposed:,} proposals holding "
          f"their beds + {result.escalated:,} escalated, {result.left:,} left (target < 10 s)")  # fmt: skip
    # No bed double-booked: every pool within its total, the beds reserved are exactly the proposals
    # holding one, and no facility was given more than it had free over its reserve.
    with connection.cursor() as cur:
        cur.execute(
            f"SELECT b.id, b.total, b.occupied, b.reserved, count(r.id) FROM {BedPool._meta.db_table} b "
            f"LEFT JOIN {Routing._meta.db_table} r ON r.facility_id = b.facility_id AND r.bed_kind = b.kind "
            f"AND r.status = 'proposed' AND r.holds_bed GROUP BY b.id"
        )
        rows = cur.fetchall()
    over = [r for r in rows if r[2] + r[3] > r[1] or r[3] - start[r[0]][1] != r[4]]
    beyond = [r for r in rows if r[4] and r[4] > r[1] - start[r[0]][0] - routing.reserve_beds(r[1])]
    print(f"pools over their total or reserving other than their proposals: {len(over)}; "
          f"given more than free over the reserve: {len(beyond)}")  # fmt: skip
    if over or beyond:
        sys.exit(1)


if __name__ == "__main__":
    main()
