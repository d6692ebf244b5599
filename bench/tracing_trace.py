"""Tracing benchmark: one F0 (F1, vn-window-60) through the service vs the raw SQL index query, a batch
of F0s traced together, and F2 for one F0, on a world made by `epiqr synth`.

    .venv/bin/python tools/with_postgres.py --durable -- .venv/bin/python bench/tracing_trace.py --scale full
    DATABASE_URL=sqlite:///var/bench.sqlite3 .venv/bin/python bench/tracing_trace.py --scale sqlite

Prints medians and p99 over the sampled F0s; the raw query and the service are timed alternately on the
same F0s so that the machine's noise (other sessions share it) hits both alike.
"""

import argparse
import os
import random
import statistics
import sys
import time
from datetime import timedelta

SCALES = {
    "tiny": (500, 10_000, 100_000),
    "small": (5_000, 200_000, 2_000_000),
    "sqlite": (5_000, 200_000, 2_000_000),
    "medium": (20_000, 800_000, 8_000_000),
    "full": (50_000, 2_000_000, 20_000_000),
}


def pct(values, q):
    values = sorted(values)
    return values[min(len(values) - 1, int(round(q / 100 * (len(values) - 1))))]


def ms(v):
    return f"{v * 1000:.2f} ms"


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--scale", choices=sorted(SCALES), default="tiny")
    ap.add_argument("--f0", type=int, default=1000, help="number of random F0s")
    ap.add_argument("--batch", type=int, default=1000)
    ap.add_argument("--f2", type=int, default=30, help="F0s traced to F2")
    ap.add_argument("--seed", type=int, default=7)
    ap.add_argument("--no-synth", action="store_true", help="reuse the world already in the database")
    args = ap.parse_args()

    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "epiqr.settings")
    sys.path.insert(0, os.path.join(os.path.dirname(__file__), "..", "src"))
    import django

    django.setup()
    from django.core.management import call_command
    from django.db import connection

    from epiqr.cases.models import Case
    from epiqr.cases.selectors import case_period
    from epiqr.cases.services import case_open
    from epiqr.checkins.models import CheckIn
    from epiqr.people.models import Person
    from epiqr.tracing.selectors import policy_engine, policy_get
    from epiqr.tracing.services import tracing_compute, tracing_compute_batch
    from epiqr.tracing.synth import synth_world

    call_command("migrate", verbosity=0)
    venues, people, checkins = SCALES[args.scale]
    print(
        f"database: {connection.vendor}; scale {args.scale}: {venues} venues, {people} people, {checkins} check-ins"
    )
    if not args.no_synth:
        report = synth_world(venues=venues, people=people, checkins=checkins, days=14, out=lambda s: None)
        print(
            f"synth: {report.seconds:.0f} s for {report.checkins} check-ins "
            f"({report.checkins / report.seconds:,.0f} rows/s incl. index build)"
        )
    total = CheckIn.objects.count()
    print(f"check-ins in table: {total}")

    rng = random.Random(args.seed)
    last = CheckIn.objects.order_by("-checked_in_at").values_list("checked_in_at", flat=True).first()
    from epiqr.core.timeutil import local

    last_day = local(last).date()
    lo_id, hi_id = (
        Person.objects.order_by("pk").values_list("pk", flat=True)[:1][0],
        Person.objects.order_by("-pk").values_list("pk", flat=True)[:1][0],
    )
    Case.objects.filter(source="bench").delete()
    chosen = rng.sample(range(lo_id, hi_id + 1), max(args.f0, args.batch))
    cases = []
    for pid in chosen:
        person = Person.objects.get(pk=pid)
        onset = last_day - timedelta(days=rng.randint(1, 6))
        cases.append(case_open(person=person, confirmed_on=last_day, onset_on=onset, source="bench"))
    policy = policy_engine(policy_get(name="vn-window-60"))
    pg = connection.vendor == "postgresql"
    raw_sql = (
        "SELECT c.id, c.person_id, c.venue_id, c.checked_in_at, c.checked_out_at "
        "FROM checkins_checkin f JOIN checkins_checkin c ON c.venue_id = f.venue_id AND "
        + (
            "c.checked_in_at BETWEEN f.checked_in_at - interval '60 minutes' AND f.checked_in_at + interval '60 minutes' "
            if pg
            else "c.checked_in_at >= datetime(f.checked_in_at, '-60 minutes') AND c.checked_in_at <= datetime(f.checked_in_at, '+60 minutes') "
        )
        + "WHERE f.person_id = %s AND f.checked_in_at >= %s AND f.checked_in_at <= %s"
    )

    def raw(case):
        p = case_period(case=case, days_before=policy.infectious_days_before)
        with connection.cursor() as cur:
            cur.execute(
                raw_sql,
                [
                    case.person_id,
                    connection.ops.adapt_datetimefield_value(p.start),
                    connection.ops.adapt_datetimefield_value(p.end),
                ],
            )
            return cur.fetchall()

    sample = cases[: args.f0]
    for case in sample[:20]:  # warm the caches the same way for both
        raw(case)
        tracing_compute(case=case, policy_name="vn-window-60")
    raw_t, svc_t, ratios, contacts, candidates = [], [], [], [], []
    for case in sample:
        t0 = time.perf_counter()
        rows = raw(case)
        t1 = time.perf_counter()
        _row, result, _p = tracing_compute(case=case, policy_name="vn-window-60")
        t2 = time.perf_counter()
        raw_t.append(t1 - t0)
        svc_t.append(t2 - t1)
        ratios.append((t2 - t1) / max(t1 - t0, 1e-6))
        contacts.append(len(result.contacts))
        candidates.append(len(rows))
    print(
        f"\none F0, F1, vn-window-60, {len(sample)} random F0s "
        f"(mean {statistics.mean(contacts):.1f} contacts, max {max(contacts)}; raw rows mean {statistics.mean(candidates):.1f})"
    )
    print(f"  raw SQL index query : p50 {ms(statistics.median(raw_t))}  p99 {ms(pct(raw_t, 99))}")
    print(f"  service + engine    : p50 {ms(statistics.median(svc_t))}  p99 {ms(pct(svc_t, 99))}")
    print(
        f"  ratio service/raw   : p50 of per-F0 ratio {statistics.median(ratios):.2f}x; "
        f"ratio of p50s {statistics.median(svc_t) / statistics.median(raw_t):.2f}x; "
        f"ratio of p99s {pct(svc_t, 99) / pct(raw_t, 99):.2f}x"
    )

    batch = cases[: args.batch]
    times = []
    for _ in range(3):
        t0 = time.perf_counter()
        found = tracing_compute_batch(cases=batch, policy_name="vn-window-60")
        times.append(time.perf_counter() - t0)
    print(
        f"\nbatch of {len(batch)} F0s together: median of 3 runs {statistics.median(times):.3f} s "
        f"(runs {', '.join(f'{t:.3f}' for t in times)}; {sum(len(v) for v in found.values())} contacts)"
    )
    single = {
        c.person_id: {x.person_id for x in tracing_compute(case=c, policy_name="vn-window-60")[1].contacts}
        for c in batch[:20]
    }
    assert all({x.person_id for x in found[pid]} == ids for pid, ids in single.items()), "batch != single"

    f2_t, f2_n = [], []
    for case in cases[: args.f2]:
        t0 = time.perf_counter()
        _row, result, _p = tracing_compute(case=case, policy_name="vn-window-60", degree=2)
        f2_t.append(time.perf_counter() - t0)
        f2_n.append(len(result.contacts))
    print(
        f"\nF2 for one F0 ({len(f2_t)} F0s): p50 {ms(statistics.median(f2_t))}  max {ms(max(f2_t))} "
        f"(mean {statistics.mean(f2_n):.0f} F1+F2 contacts)"
    )
    Case.objects.filter(source="bench").delete()


if __name__ == "__main__":
    main()
