"""Tracing benchmark: one F0 (F1, vn-window-60) through the service vs the raw SQL index query, a batch
of F0s traced together, and F2 for one F0, on a world made by `epiqr synth`.

One F0's service is `tracing_compute_columns`: the contacts as columns, as `run_create` computes them
before it stores them (no product path builds an object per contact). The engine's objects on top
(`tracing_compute`, what the tests compare with the engine) are timed on the same F0s and printed beside
it.

    .venv/bin/python tools/with_postgres.py --durable -- .venv/bin/python bench/tracing_trace.py --scale full
    DATABASE_URL=sqlite:///var/bench.sqlite3 .venv/bin/python bench/tracing_trace.py --scale sqlite

Prints medians and p99 over the sampled F0s; the raw query and the service are timed alternately on the
same F0s so that the machine's noise (other sessions share it) hits both alike.

Cold and warm. Each part measures a first pass on data nobody has read since the server started (cold)
and then the same work again (warm). For a truly cold first pass start a fresh server for each part and
drop the world's files from the operating system's cache: `--evict DIR` (the cluster's data directory)
asks the kernel to forget every page of those files (posix_fadvise DONTNEED; nothing else on the machine
loses its cache). The bench's F0 cases are kept between runs (`--keep-cases`, reused when the same number
is asked for), so that a cold part reads nothing before it starts:

    B=".venv/bin/python tools/with_postgres.py --durable --keep /var/tmp/trace-full --"
    $B .venv/bin/python bench/tracing_trace.py --scale full --no-synth --keep-cases --parts none
    $B .venv/bin/python bench/tracing_trace.py --scale full --no-synth --keep-cases --parts single --evict /var/tmp/trace-full/data
    $B .venv/bin/python bench/tracing_trace.py --scale full --no-synth --keep-cases --parts single --cold-side raw --evict /var/tmp/trace-full/data
    $B .venv/bin/python bench/tracing_trace.py --scale full --no-synth --keep-cases --parts single --cold-side service --evict /var/tmp/trace-full/data
    $B .venv/bin/python bench/tracing_trace.py --scale full --no-synth --keep-cases --parts batch --evict /var/tmp/trace-full/data
    $B .venv/bin/python bench/tracing_trace.py --scale full --no-synth --keep-cases --parts batch --cold-first bare --evict /var/tmp/trace-full/data
    $B .venv/bin/python bench/tracing_trace.py --scale full --no-synth --keep-cases --parts f2 --evict /var/tmp/trace-full/data

The batch's baseline is the bare SQL statement that reads the same pairs (each F0's visits in its
period joined to every check-in within the policy's reach at the same venue, the plain columns, nothing
else): its rows read by the client through binary COPY and thrown away, and its execution inside the
server alone (EXPLAIN ANALYZE with TIMING OFF: no rows sent).

F2 for one F0 is measured as the officer waits for it: the run computed, stored and committed
(`run_create` in its own transaction; deleted afterwards, untimed), against computing the same F2 without
storing it (`tracing_compute`) on the same F0s, alternately, in the same run. Every stored run is checked
against what was computed: every contact and exposure, every field. (Until the exposures were packed on
their contacts, this part compared with tracing/services.py at an older revision; that code wrote the
exposure table, which is gone.)

A run past EPIQR_TRACING_FILE_AT_ONCE contacts stores its F2 packed (tracing/packs.py) and files it into
rows after the commit: that filing is timed apart ("after the commit"), untimed for the officer, and the
rows it leaves are the ones checked against what was computed.

`--parts f2-floor` asks what rows can reach at all: on the F0 with the largest F2, `run_create` writing
every contact as rows (EPIQR_TRACING_FILE_AT_ONCE raised past the run) against the same run with every
secondary index of the contact table dropped inside its transaction (rolled back; the table is left as
it was), and computing alone.
"""

import argparse
import os
import platform
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


def load() -> str:
    return "load average " + " ".join(f"{x:.2f}" for x in os.getloadavg())


def evict(directory: str) -> int:
    """Drop every file under `directory` from the operating system's page cache; returns the files."""
    count = 0
    for root, _dirs, files in os.walk(directory):
        for name in files:
            try:
                fd = os.open(os.path.join(root, name), os.O_RDONLY)
            except OSError:
                continue
            try:
                os.fdatasync(fd)
                os.posix_fadvise(fd, 0, 0, os.POSIX_FADV_DONTNEED)
                count += 1
            finally:
                os.close(fd)
    return count


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--scale", choices=sorted(SCALES), default="tiny")
    ap.add_argument("--f0", type=int, default=1000, help="number of random F0s")
    ap.add_argument("--batch", type=int, default=1000)
    ap.add_argument("--f2", type=int, default=30, help="F0s traced to F2 (stored, and computed only)")
    ap.add_argument("--seed", type=int, default=7)
    ap.add_argument("--rounds", type=int, default=5, help="batch repetitions")
    ap.add_argument("--no-synth", action="store_true", help="reuse the world already in the database")
    ap.add_argument(
        "--parts", default="single,batch,f2", help="comma-separated: single, batch, f2, f2-floor (or none)"
    )
    ap.add_argument("--keep-cases", action="store_true", help="keep the bench's F0 cases for the next run")
    ap.add_argument("--evict", metavar="DIR", help="drop DIR's files from the OS page cache before measuring")
    ap.add_argument(
        "--cold-first", choices=("service", "bare"), default="service", help="batch: which runs cold"
    )
    ap.add_argument(
        "--cold-side",
        choices=("both", "raw", "service"),
        default="both",
        help="single and f2: both sides cold on alternate F0s, or one side cold on every F0 (run again for "
        "the other; in f2 'service' is the stored run, 'raw' computing alone)",
    )
    args = ap.parse_args()
    parts = set(args.parts.split(","))

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
    from epiqr.tracing import services as tracing_services
    from epiqr.tracing import store
    from epiqr.tracing.batch import trace_pairs
    from epiqr.tracing.engine import Period, reach
    from epiqr.tracing.selectors import CheckinStore, policy_engine, policy_get
    from epiqr.tracing.services import tracing_compute, tracing_compute_batch, tracing_compute_columns
    from epiqr.tracing.synth import synth_world

    if args.no_synth:
        # A kept world is measured with the schema it was built with (migrating a 20 M-row table, e.g.
        # into day partitions, is an operation of its own, timed apart): say what is not applied.
        from django.db.migrations.executor import MigrationExecutor

        executor = MigrationExecutor(connection)
        pending = executor.migration_plan(executor.loader.graph.leaf_nodes())
        print(
            "migrations not applied to this world: "
            + (", ".join(f"{m.app_label}.{m.name}" for m, _ in pending) or "none")
        )
    else:
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
    chosen = rng.sample(range(lo_id, hi_id + 1), max(args.f0, args.batch))
    onsets = [last_day - timedelta(days=rng.randint(1, 6)) for _ in chosen]
    kept = list(Case.objects.filter(source="bench").order_by("pk"))
    if args.keep_cases and [c.person_id for c in kept] == chosen:
        cases = kept
        print(f"reusing the {len(cases)} F0 cases kept by an earlier run")
    else:
        # A case opened here also became a care patient (care's reaction to a new case): both go.
        from epiqr.care.models import Patient

        Patient.objects.filter(case__source="bench").delete()
        Case.objects.filter(source="bench").delete()
        cases = [
            case_open(
                person=Person.objects.get(pk=pid), confirmed_on=last_day, onset_on=onset, source="bench"
            )
            for pid, onset in zip(chosen, onsets, strict=True)
        ]
    print(
        f"machine: {os.cpu_count()} CPUs, {platform.processor() or platform.machine()}, "
        f"Python {platform.python_version()}; {load()}"
    )
    if connection.vendor == "postgresql":
        with connection.cursor() as cur:
            cur.execute("SELECT current_setting('server_version'), current_setting('shared_buffers')")
            version, buffers = cur.fetchone()
        print(f"PostgreSQL {version}, shared_buffers {buffers}")
    if args.evict:
        print(f"evicted {evict(args.evict)} files of {args.evict} from the OS page cache")
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

    def read_settings(cur):
        # The settings of the service's batch reads (tracing.store.READ_SETTINGS_SQL: no JIT, generic
        # plans), so that both sides compare the statements, not the JIT compiler or the planner.
        if pg:
            cur.execute(store.READ_SETTINGS_SQL)

    # The raw index query at its best on PostgreSQL: its own connection, prepared from the second run,
    # on a generic plan without JIT (session settings: no transaction or SET per query). The service's
    # one-F0 read gets its generic plan without any setting (tracing.store.ONE_PERIOD).
    raw_conn = None
    if pg:
        import psycopg

        db = connection.settings_dict
        raw_conn = psycopg.connect(
            dbname=db["NAME"], user=db["USER"], password=db["PASSWORD"], host=db["HOST"], port=db["PORT"],
            autocommit=True, prepare_threshold=2,
        )  # fmt: skip
        raw_conn.execute("SET jit = off")
        raw_conn.execute("SET plan_cache_mode = force_generic_plan")

    def raw(case, defaults: bool = False):
        """The raw query's rows; `defaults`: through Django's connection as it runs any query."""
        p = case_period(case=case, days_before=policy.infectious_days_before)
        if raw_conn is not None and not defaults:
            return raw_conn.execute(raw_sql, [case.person_id, p.start, p.end]).fetchall()
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

    def service(case):
        return tracing_compute_columns(case=case, policy_name="vn-window-60")[1]

    def with_objects(case):
        return tracing_compute(case=case, policy_name="vn-window-60")[1]

    if "single" in parts:
        sample = cases[: args.f0]
        # Cold: a fresh server, every F0 read once. Both sides in one run: raw first for even F0s, the
        # service first for odd ones, each side's cold figure its first read of that F0 (500 F0s each,
        # different ones). One side (--cold-side): that side alone reads every F0 cold, and a second run
        # with the other side gives its figures on the same F0s.
        cold_raw, cold_svc = [], []
        for i, case in enumerate(sample):
            if args.cold_side == "both":
                order = ("raw", "svc") if i % 2 == 0 else ("svc", "raw")
            else:
                order = ("raw",) if args.cold_side == "raw" else ("svc",)
            for side in order:
                t0 = time.perf_counter()
                raw(case) if side == "raw" else service(case)
                elapsed = time.perf_counter() - t0
                if side == order[0]:
                    (cold_raw if side == "raw" else cold_svc).append(elapsed)
        print(f"\none F0, F1, vn-window-60, COLD (first read after the server started; {load()})")
        if cold_raw:
            print(
                f"  raw SQL index query : p50 {ms(statistics.median(cold_raw))}  p99 {ms(pct(cold_raw, 99))} ({len(cold_raw)} F0s)"
            )
        if cold_svc:
            print(
                f"  service (columns)   : p50 {ms(statistics.median(cold_svc))}  p99 {ms(pct(cold_svc, 99))} "
                f"({len(cold_svc)} {'other ' if cold_raw else ''}F0s)"
            )
        if cold_raw and cold_svc:
            print(
                f"  ratio service/raw   : ratio of p50s {statistics.median(cold_svc) / statistics.median(cold_raw):.2f}x; "
                f"ratio of p99s {pct(cold_svc, 99) / pct(cold_raw, 99):.2f}x"
            )
        raw_t, svc_t, obj_t, ratios, contacts, candidates = [], [], [], [], [], []
        for case in sample:
            t0 = time.perf_counter()
            rows = raw(case)
            t1 = time.perf_counter()
            result = service(case)
            t2 = time.perf_counter()
            objects = with_objects(case)
            t3 = time.perf_counter()
            raw_t.append(t1 - t0)
            svc_t.append(t2 - t1)
            obj_t.append(t3 - t2)
            ratios.append((t2 - t1) / max(t1 - t0, 1e-6))
            contacts.append(result.contact_count)
            candidates.append(len(rows))
            if len(objects.contacts) != result.contact_count:
                raise SystemExit(
                    f"F0 {case.pk}: {result.contact_count} contacts on columns, {len(objects.contacts)} as objects"
                )
        print(
            f"\none F0, F1, vn-window-60, WARM (second read), {len(sample)} random F0s; {load()} "
            f"(mean {statistics.mean(contacts):.1f} contacts, max {max(contacts)}; raw rows mean {statistics.mean(candidates):.1f})"
        )
        print(f"  raw SQL index query : p50 {ms(statistics.median(raw_t))}  p99 {ms(pct(raw_t, 99))}")
        print(f"  service (columns)   : p50 {ms(statistics.median(svc_t))}  p99 {ms(pct(svc_t, 99))}")
        print(
            f"  ratio service/raw   : p50 of per-F0 ratio {statistics.median(ratios):.2f}x; "
            f"ratio of p50s {statistics.median(svc_t) / statistics.median(raw_t):.2f}x; "
            f"ratio of p99s {pct(svc_t, 99) / pct(raw_t, 99):.2f}x"
        )
        print(
            f"  with engine objects : p50 {ms(statistics.median(obj_t))}  p99 {ms(pct(obj_t, 99))} "
            f"({statistics.median(obj_t) / statistics.median(raw_t):.2f}x / {pct(obj_t, 99) / pct(raw_t, 99):.2f}x the raw query)"
        )
        if pg:
            # For context: the raw query as Django runs it, re-planned at every execution, JIT on.
            default_t = []
            for case in sample:
                t0 = time.perf_counter()
                raw(case, defaults=True)
                default_t.append(time.perf_counter() - t0)
            print(
                f"  raw query, planner defaults (re-planned each time, JIT on): p50 {ms(statistics.median(default_t))}  "
                f"p99 {ms(pct(default_t, 99))}"
            )

    batch = cases[: args.batch]
    policy_for_batch = policy_engine(policy_get(name="vn-window-60"))
    periods = []
    for c in batch:
        p = case_period(case=c, days_before=policy_for_batch.infectious_days_before)
        periods.append(Period(c.person_id, p.start, p.end))
    if "batch" in parts:
        before, after = reach(policy_for_batch)
        values, params = store._values([(p.person_id, p.start, p.end) for p in periods])
        bare_sql = (
            store._index_visits_sql().format(values=values) + " SELECT f.person_id, f.id, f.checked_in_at, "
            "f.checked_out_at, f.venue_id, c.person_id, c.id, c.checked_in_at, c.checked_out_at "
            f"FROM f {store._around_join(before, after)}"
        )

        def bare() -> tuple[float, int]:
            """The bare statement's rows read through binary COPY (thrown away): (seconds, rows)."""
            t0 = time.perf_counter()
            n = 0
            with transaction.atomic(), connection.cursor() as cur:
                read_settings(cur)
                if pg:
                    with cur.cursor.copy(f"COPY ({bare_sql}) TO STDOUT (FORMAT BINARY)", params) as copy:
                        for _block in copy:
                            n += 1
                    n -= 1  # the header travels with the first row, the trailer alone
                else:
                    cur.execute(bare_sql, params)
                    n = len(cur.fetchall())
            return time.perf_counter() - t0, n

        def bare_server() -> float:
            """The bare statement executed inside the server alone (no rows sent), in seconds."""
            if not pg:
                return float("nan")
            with transaction.atomic(), connection.cursor() as cur:
                read_settings(cur)
                cur.execute("EXPLAIN (ANALYZE, TIMING OFF) " + bare_sql, params)
                last = cur.fetchall()[-1][0]
            return float(last.split(":")[1].split()[0]) / 1000

        def traced():
            t0 = time.perf_counter()
            found = tracing_compute_batch(cases=batch, policy_name="vn-window-60")
            return time.perf_counter() - t0, found

        times, bare_t, server_t, query_t, rule_t, objects_t = [], [], [], [], [], []
        print(f"\nbatch of {len(batch)} F0s together ({load()})")
        if args.cold_first == "bare":
            cold_bare, bare_rows = bare()
            cold_service, found = traced()
        else:
            cold_service, found = traced()
            cold_bare, bare_rows = bare()
        print(
            f"  COLD, {args.cold_first} first on a fresh server: service {cold_service:.3f} s, bare statement "
            f"{cold_bare:.3f} s ({'cold' if args.cold_first == 'bare' else 'after the service read the same pages'})"
        )
        for _ in range(args.rounds):
            seconds, found = traced()
            times.append(seconds)
            bare_t.append(bare()[0])
            server_t.append(bare_server())
            # The same work in its two halves, and what turning every contact into objects would add.
            t0 = time.perf_counter()
            pairs, sectors = CheckinStore().pairs_around(periods, before, after)
            t1 = time.perf_counter()
            trace_pairs(
                pairs=pairs,
                policy=policy_for_batch,
                index_ids=[p.person_id for p in periods],
                sectors=sectors,
            )
            t2 = time.perf_counter()
            every = [found.contacts_of(p.person_id) for p in periods]
            t3 = time.perf_counter()
            query_t.append(t1 - t0)
            rule_t.append(t2 - t1)
            objects_t.append(t3 - t2)
        med, med_bare, med_server = (
            statistics.median(times),
            statistics.median(bare_t),
            statistics.median(server_t),
        )
        print(
            f"  WARM, median of {args.rounds} runs: service {med:.3f} s "
            f"(runs {', '.join(f'{t:.3f}' for t in times)}; {found.contact_count} contacts from {len(pairs)} pairs)"
        )
        print(
            f"  bare statement, rows through COPY: {med_bare:.3f} s (runs {', '.join(f'{t:.3f}' for t in bare_t)}; "
            f"{bare_rows} rows); inside the server alone {med_server:.3f} s"
        )
        print(
            f"  ratio service / bare statement: {med / med_bare:.2f}x (warm), {cold_service / cold_bare:.2f}x (cold); "
            f"service / server alone {med / med_server:.2f}x (warm)"
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
        print(f"  ({load()})")

    if "f2" in parts:
        # What an officer waits for when pressing "F2": the run computed, stored and committed. Its
        # baseline in the same run, on the same F0s and alternately, is computing the same F2 without
        # storing it (tracing_compute). Each stored run is checked against what was computed (every
        # contact and exposure, every field) and deleted afterwards, untimed. First pass COLD, then WARM.
        from epiqr.tracing.models import TracingRun

        fields = (
            "venue_id", "checkin_id", "start", "end", "source_person_id", "source_checkin_id", "source_start",
            "source_end", "overlap_minutes", "weighted_minutes", "risk",
        )  # fmt: skip

        def contact_rows(contacts):
            """Every field of each contact and its exposures, stored rows and engine objects alike."""
            return sorted(
                (c.person_id, c.degree, c.risk, c.overlap_minutes, c.first_exposed_at)
                + tuple(tuple(getattr(e, f) for f in fields) for e in c.exposures)
                for c in contacts
            )

        from unittest import mock

        queued: list[int] = []
        enqueue = mock.patch.object(
            tracing_services,
            "run_contacts_file_later",
            mock.Mock(enqueue=lambda run_id: queued.append(run_id)),
        )

        def stored(case):
            """The run stored and committed as the officer waits for it; then what the worker does after
            the commit (its F2 filed into rows, when it was packed), timed apart; then every row read back."""
            queued.clear()
            t0 = time.perf_counter()
            with enqueue, transaction.atomic():
                run = tracing_services.run_create(case=case, policy_name="vn-window-60", degree=2)
                t1 = time.perf_counter()
            t2 = time.perf_counter()
            tracing_services.run_contacts_file(run_id=run.pk)
            t3 = time.perf_counter()
            assert queued == ([run.pk] if hasattr(run, "pack") else []), "filing was not queued at the commit"
            rows = contact_rows(run.contacts.all())
            TracingRun.objects.filter(pk=run.pk).delete()
            return t1 - t0, t2 - t0, t3 - t2, rows

        def computed(case):
            t0 = time.perf_counter()
            result = tracing_compute(case=case, policy_name="vn-window-60", degree=2)[1]
            seconds = time.perf_counter() - t0
            return seconds, contact_rows(result.contacts)

        f2_cases = cases[: args.f2]
        # Both sides trace up to the same instant: an F1 keeps spreading until the run's time, and a
        # check-in stamped between the two calls would otherwise make them differ.
        from epiqr.core.timeutil import now

        frozen = mock.patch.object(tracing_services, "now", return_value=now())
        frozen.start()  # stopped after both passes
        for label in ("COLD", "WARM"):
            times: dict[str, list[float]] = {"computed": [], "stored": [], "committed": [], "filed": []}
            sizes = []
            for i, case in enumerate(f2_cases):
                # Cold, the side that goes first reads the F0 cold: alternately, or one side on every F0
                # (--cold-side service: the stored run; raw: the computed baseline).
                stored_first = {"both": i % 2 == 1, "service": True, "raw": False}[args.cold_side]
                if not stored_first:
                    seconds, want = computed(case)
                    before_commit, committed, filed, got = stored(case)
                else:
                    before_commit, committed, filed, got = stored(case)
                    seconds, want = computed(case)
                assert got == want, "the stored run differs from the computed one"
                times["computed"].append(seconds)
                times["stored"].append(before_commit)
                times["committed"].append(committed)
                times["filed"].append(filed)
                sizes.append((len(got), sum(len(r) - 5 for r in got)))
            print(f"\nF2 for one F0, {label}; {load()}")
            print(
                f"  ({len(f2_cases)} F0s; largest {max(n for n, _ in sizes)} F1+F2 contacts, "
                f"{max(x for _, x in sizes)} exposures; checked: each stored run holds what was computed, "
                "every contact and exposure, every field)"
            )
            for kind, title in (
                ("computed", "computed, not stored (baseline)"),
                ("stored", "computed + stored, before the commit"),
                ("committed", "computed + stored + committed"),
                ("filed", "after the commit: packed F2 filed"),
            ):
                values = times[kind]
                ratios = [v / c for v, c in zip(values, times["computed"], strict=True)]
                print(
                    f"    {title:38s}: p50 {ms(statistics.median(values))}  max {ms(max(values))}"
                    + (
                        ""
                        if kind in ("computed", "filed")
                        else f"  (x{statistics.median(ratios):.2f} of computed, p50)"
                    )
                )
        frozen.stop()

    if "f2-floor" in parts:
        # What storing F2 as rows can reach at best, on the F0 with the largest F2 of the --f2 F0s:
        # run_create as the product stores it, against the same run with every secondary index of the
        # contact table (and its unique constraint) dropped inside the transaction, which is rolled back;
        # computing alone beside them. Each round runs the three in turn.
        from epiqr.tracing.models import Contact

        table = Contact._meta.db_table
        with connection.cursor() as cur:
            cur.execute(
                "SELECT i.indexrelid::regclass::text, c.conname FROM pg_index i"
                " LEFT JOIN pg_constraint c ON c.conindid = i.indexrelid"
                " WHERE i.indrelid = %s::regclass AND NOT i.indisprimary",
                [table],
            )
            secondary = cur.fetchall()
        sized = [
            (tracing_compute_columns(case=c, policy_name="vn-window-60", degree=2)[1].contact_count, c.pk, c)
            for c in cases[: args.f2]
        ]
        contacts, _, largest = max(sized, key=lambda x: x[:2])

        from django.test import override_settings

        @override_settings(EPIQR_TRACING_FILE_AT_ONCE=10**9)
        def stored_rolled_back(drop: bool) -> float:
            with transaction.atomic():
                if drop:
                    with connection.cursor() as cur:
                        for index, constraint in secondary:
                            cur.execute(
                                f"ALTER TABLE {table} DROP CONSTRAINT {constraint}"
                                if constraint
                                else f"DROP INDEX {index}"
                            )
                t0 = time.perf_counter()
                tracing_services.run_create(case=largest, policy_name="vn-window-60", degree=2)
                seconds = time.perf_counter() - t0
                transaction.set_rollback(True)
            return seconds

        floor: dict[str, list[float]] = {"computed": [], "stored": [], "primary key only": []}
        for _ in range(args.rounds):
            t0 = time.perf_counter()
            tracing_compute_columns(case=largest, policy_name="vn-window-60", degree=2)
            floor["computed"].append(time.perf_counter() - t0)
            floor["stored"].append(stored_rolled_back(drop=False))
            floor["primary key only"].append(stored_rolled_back(drop=True))
        print(f"\nF2 stored as rows, at best; {load()}")
        print(
            f"  (the F0 with the largest F2 of {len(sized)}: {contacts} contacts; {args.rounds} rounds, "
            f"rolled back; dropped in the transaction: {', '.join(i for i, _ in secondary)})"
        )
        for kind, title in (
            ("computed", "computed, not stored"),
            ("stored", "run_create, every index"),
            ("primary key only", "run_create, heap and primary key only"),
        ):
            print(f"    {title:38s}: p50 {ms(statistics.median(floor[kind]))}  max {ms(max(floor[kind]))}")
    if not args.keep_cases:
        from epiqr.care.models import Patient

        Patient.objects.filter(case__source="bench").delete()
        Case.objects.filter(source="bench").delete()


if __name__ == "__main__":
    main()
