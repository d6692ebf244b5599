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
    ap.add_argument("--rounds", type=int, default=5, help="batch repetitions")
    ap.add_argument("--no-synth", action="store_true", help="reuse the world already in the database")
    args = ap.parse_args()

    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "epiqr.settings")
    # As in production: with DEBUG on, Django also formats and keeps the text of every query.
    os.environ.setdefault("EPIQR_DEBUG", "0")
    sys.path.insert(0, os.path.join(os.path.dirname(__file__), "..", "src"))
    import django

    django.setup()
    from django.core.management import call_command
    from django.db import connection, transaction

    from epiqr.cases.models import Case
    from epiqr.cases.selectors import case_period
    from epiqr.cases.services import case_open
    from epiqr.checkins.models import CheckIn
    from epiqr.people.models import Person
    from epiqr.tracing.batch import trace_pairs
    from epiqr.tracing.engine import Period, reach
    from epiqr.tracing.selectors import CheckinStore, policy_engine, policy_get
    from epiqr.tracing.services import run_create, tracing_compute, tracing_compute_batch
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
    times, query_t, rule_t, objects_t = [], [], [], []
    policy_for_batch = policy_engine(policy_get(name="vn-window-60"))
    periods = []
    for c in batch:
        p = case_period(case=c, days_before=policy_for_batch.infectious_days_before)
        periods.append(Period(c.person_id, p.start, p.end))
    for _ in range(args.rounds):
        t0 = time.perf_counter()
        found = tracing_compute_batch(cases=batch, policy_name="vn-window-60")
        times.append(time.perf_counter() - t0)
        # The same work in its two halves, and what turning every contact into objects would add.
        t0 = time.perf_counter()
        pairs, sectors = CheckinStore().pairs_around(periods, *reach(policy_for_batch))
        t1 = time.perf_counter()
        trace_pairs(
            pairs=pairs, policy=policy_for_batch, index_ids=[p.person_id for p in periods], sectors=sectors
        )
        t2 = time.perf_counter()
        every = [found.contacts_of(p.person_id) for p in periods]
        t3 = time.perf_counter()
        query_t.append(t1 - t0)
        rule_t.append(t2 - t1)
        objects_t.append(t3 - t2)
    print(
        f"\nbatch of {len(batch)} F0s together: median of {args.rounds} runs {statistics.median(times):.3f} s "
        f"(runs {', '.join(f'{t:.3f}' for t in times)}; {found.contact_count} contacts from {len(pairs)} pairs)"
    )
    print(
        f"  of which: query {statistics.median(query_t):.3f} s, "
        f"rules on columns {statistics.median(rule_t):.3f} s; "
        f"turning all {sum(len(e) for e in every)} contacts into engine objects would add {statistics.median(objects_t):.3f} s"
    )
    for c in batch[:20]:
        alone = tracing_compute(case=c, policy_name="vn-window-60")[1].contacts
        assert found.contacts_of(c.person_id) == alone, "batch != single"
    print("  checked: for 20 of the F0s the batch's contacts and exposures equal tracing them one by one")

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
    # What an officer waits for when pressing "F2": the run computed and stored (rolled back here).
    store_t, store_n = [], []
    for case in cases[: args.f2]:
        with transaction.atomic():
            t0 = time.perf_counter()
            run = run_create(case=case, policy_name="vn-window-60", degree=2)
            store_t.append(time.perf_counter() - t0)
            store_n.append(run.contact_count)
            transaction.set_rollback(True)
    print(
        f"F2 run stored (run_create, {len(store_t)} F0s): p50 {ms(statistics.median(store_t))}  "
        f"max {ms(max(store_t))} (max {max(store_n)} contacts)"
    )
    Case.objects.filter(source="bench").delete()


if __name__ == "__main__":
    main()
