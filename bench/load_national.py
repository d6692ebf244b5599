"""A load test of the whole web tier at the national peak's mix: several gunicorn app servers behind
HAProxy (tools/web_tier.py), PostgreSQL with a streaming standby, a shared memcached, the background
worker and the scheduler running; a bounded, self-stopping load generator on loopback.

    .venv/bin/python tools/with_postgres.py --durable --replica -- .venv/bin/python bench/load_national.py
    .venv/bin/python tools/with_postgres.py --durable --replica -- .venv/bin/python bench/load_national.py \\
        --seconds 60 --concurrency 32 --apps 2 --workers 3

The mix (weights, per request) follows the national peak: mostly single scans at venue doors, offline
batches from scanners coming back online, citizens opening a venue poster's page, health declarations,
and officers' work (tracing runs, dashboard panels). Each phase runs `--seconds` after a warm-up and
stops; the same load runs without the replica (every read on the primary) and with it (the declared
heavy reads on the standby). Reported per kind: requests, rate, p50/p99 latency, statuses; and the CPU
each component used (cores busy over the phase): the one near the machine's cores saturates first.
Citizens come from many loopback addresses (127.1.x.y), one new connection each, as phones do; staff
clients keep their connection.
"""

import argparse
import http.client
import importlib.util
import json
import os
import random
import threading
import time
import uuid
from collections import defaultdict
from datetime import timedelta

from checkins_common import ROOT, django_setup, machine, pct, vacuum_analyze, world

MIX = {  # kind: weight (share of requests)
    "scan": 62,
    "batch": 4,
    "citizen_page": 18,
    "declaration": 8,
    "dashboard": 7,
    "tracing_run": 1,
}
BATCH_ITEMS = 20
DASHBOARD_PATHS = [
    "/api/v1/dashboards/curve?province=1",
    "/api/v1/dashboards/activity?province=1",
    "/api/v1/dashboards/levels?province=1",
    "/api/v1/dashboards/occupancy?province=1",
    "/api/v1/tracing/triage",
]
CLOCK_TICKS = os.sysconf("SC_CLK_TCK")


def web_tier_module():
    spec = importlib.util.spec_from_file_location("epiqr_web_tier", ROOT / "tools" / "web_tier.py")
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


def build(args) -> dict:
    """A synthetic city: venues, people and two weeks of check-ins (epiqr synth), cases to trace, the
    dashboards' read models, a door scanner's account and an officer's."""

    from epiqr.accounts.services import api_token_create
    from epiqr.cases.models import Case
    from epiqr.checkins.models import CheckIn
    from epiqr.checkins.services import venue_counts_rollup
    from epiqr.core.permissions import Role
    from epiqr.core.timeutil import local_today, now
    from epiqr.dashboards import services as dashboards
    from epiqr.geo.models import Commune, Province
    from epiqr.geo.services import units_load
    from epiqr.tracing.synth import synth_world
    from epiqr.venues.models import Venue
    from epiqr.venues.selectors import venue_token
    from tests.factories import user_factory

    started = time.perf_counter()
    if not Province.objects.exists():
        units_load()
    today = local_today()
    if Venue.objects.count() < args.venues:
        synth_world(venues=args.venues, people=args.people, checkins=args.checkins, days=14, last_day=today)
        for i in range(14):
            venue_counts_rollup(day=today - timedelta(days=i))
    owner, scan_token, scan_venues, payloads, _ids = world(venues=40, people=args.scan_people, seed=29)
    commune = Commune.objects.filter(province_id=1).order_by("code").first()
    traced = list(
        CheckIn.objects.filter(checked_in_at__gte=now() - timedelta(days=3))
        .values_list("person_id", flat=True)
        .distinct()[:300]
    )
    cases = [
        Case.objects.create(person_id=pid, confirmed_on=today, onset_on=today, commune=commune).pk
        for pid in traced
    ]
    dashboards.day_counts_refresh(days={today - timedelta(days=i) for i in range(30)})
    dashboards.activity_refresh(days={today - timedelta(days=i) for i in range(14)})
    dashboards.occupancy_refresh()
    dashboards.levels_recompute(day=today, trigger="on_demand")
    officer = user_factory(Role.ADMIN, username=f"load-officer-{time.time_ns()}")
    posters = [
        venue_token(venue=v)
        for v in Venue.objects.filter(is_active=True).order_by("pk")[: args.citizen_venues]
    ]
    vacuum_analyze()
    print(
        f"world built in {time.perf_counter() - started:.0f} s: {Venue.objects.count():,} venues, "
        f"{CheckIn.objects.count():,} check-ins, {len(cases)} cases to trace, {len(payloads):,} cards at the doors"
    )
    return {
        "scan_auth": {"Authorization": f"Bearer {scan_token}"},
        "officer_auth": {"Authorization": f"Bearer {api_token_create(user=officer, name='load')}"},
        "scan_venues": [v.code for v in scan_venues],
        "payloads": payloads,
        "cases": cases,
        "posters": posters,
        "commune": commune.pk,
        "owner": owner,
    }


class Feed:
    """The next request of each kind; every scan a (venue, card) pair not used before."""

    def __init__(self, w: dict, seed: int, mix: dict[str, int] = MIX):
        self.w = w
        self.rng = random.Random(seed)
        self.lock = threading.Lock()
        if "pairs" not in w:  # shared by every feed: a card is never scanned twice at one venue
            pairs = [(v, p) for v in range(len(w["scan_venues"])) for p in range(len(w["payloads"]))]
            self.rng.shuffle(pairs)
            w["pairs"] = iter(pairs)
        self.pairs = w["pairs"]
        self.kinds = list(mix)
        self.weights = [mix[k] for k in self.kinds]

    def _pair(self):
        try:
            vi, pi = next(self.pairs)
        except StopIteration:  # a repeated pair would be a duplicate scan, not the same work
            raise SystemExit("every (venue, card) pair was scanned: raise --scan-people") from None
        return self.w["scan_venues"][vi], self.w["payloads"][pi]

    def next(self):
        """(kind, method, path, headers, body, citizen?)."""
        with self.lock:
            kind = self.rng.choices(self.kinds, self.weights)[0]
            if kind == "scan":
                venue, card = self._pair()
                return (
                    kind,
                    "POST",
                    "/api/v1/checkins/scan",
                    self.w["scan_auth"],
                    {"venue": venue, "payload": card},
                    False,
                )
            if kind == "batch":
                at = time.time()
                items = []
                for i in range(BATCH_ITEMS):
                    venue, card = self._pair()
                    scanned = time.strftime("%Y-%m-%dT%H:%M:%S+00:00", time.gmtime(at - 600 + i))
                    items.append(
                        {
                            "client_id": str(uuid.uuid4()),
                            "venue": venue,
                            "payload": card,
                            "scanned_at": scanned,
                        }
                    )
                return kind, "POST", "/api/v1/checkins/batch", self.w["scan_auth"], {"items": items}, False
            if kind == "citizen_page":
                return kind, "GET", f"/v/{self.rng.choice(self.w['posters'])}", {}, None, True
            if kind == "declaration":
                body = {
                    "kind": "domestic",
                    "full_name": "Người Khai Thử",
                    "birth_year": self.rng.randint(1940, 2010),
                    "phone": f"09{self.rng.randint(10_000_000, 99_999_999)}",
                    "commune": self.w["commune"],
                    "address": f"{self.rng.randint(1, 300)} Phố Thử",
                    "visited": "",
                }
                return kind, "POST", "/api/v1/checkins/declarations", {}, body, True
            if kind == "dashboard":
                return kind, "GET", self.rng.choice(DASHBOARD_PATHS), self.w["officer_auth"], None, False
            case = self.rng.choice(self.w["cases"])
            body = {"case": case, "policy": "vn-window-60", "degree": 1}
            return kind, "POST", "/api/v1/tracing/runs", self.w["officer_auth"], body, False


def run_phase(port: int, feed: Feed, *, seconds: float, concurrency: int, max_errors: int):
    """Drive the tier for `seconds` (then stop) with `concurrency` clients; stops early past max_errors."""
    results = defaultdict(list)  # kind -> [(latency, status)]
    lock = threading.Lock()
    stop_at = time.perf_counter() + seconds
    errors = [0]
    rng = random.Random(7)

    def client():
        staff = http.client.HTTPConnection("127.0.0.1", port, timeout=60)
        while time.perf_counter() < stop_at and errors[0] <= max_errors:
            kind, method, path, headers, body, citizen = feed.next()
            conn = staff
            if citizen:
                source = f"127.1.{rng.randint(0, 255)}.{rng.randint(1, 254)}"
                conn = http.client.HTTPConnection("127.0.0.1", port, timeout=60, source_address=(source, 0))
            data = json.dumps(body) if body is not None else None
            t0 = time.perf_counter()
            try:
                conn.request(
                    method,
                    path,
                    body=data,
                    headers={"Content-Type": "application/json", "Accept-Language": "vi", **headers},
                )
                response = conn.getresponse()
                response.read()
                status = response.status
            except (OSError, http.client.HTTPException):
                status = 0
                conn.close()
                if not citizen:
                    staff = http.client.HTTPConnection("127.0.0.1", port, timeout=60)
            dt = time.perf_counter() - t0
            if citizen:
                conn.close()
            with lock:
                results[kind].append((dt, status))
                if status == 0 or status >= 500:
                    errors[0] += 1

    threads = [threading.Thread(target=client) for _ in range(concurrency)]
    t0 = time.perf_counter()
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    return time.perf_counter() - t0, results, errors[0]


def _stat(pid: int):
    """(ppid, own cpu ticks, reaped children's cpu ticks) of a process, or None once it is gone."""
    try:
        with open(f"/proc/{pid}/stat") as f:
            fields = f.read().rsplit(")", 1)[1].split()
    except OSError:
        return None
    return int(fields[1]), int(fields[11]) + int(fields[12]), int(fields[13]) + int(fields[14])


def cpu_seconds(roots: dict[str, list[int]]) -> dict[str, float]:
    """CPU seconds each group of process trees has used so far (live descendants plus the children
    its roots have reaped: PostgreSQL backends that ended count on the postmaster)."""
    children = defaultdict(list)
    stats = {}
    for entry in os.listdir("/proc"):
        if entry.isdigit():
            st = _stat(int(entry))
            if st:
                stats[int(entry)] = st
                children[st[0]].append(int(entry))
    out = {}
    for group, pids in roots.items():
        total = 0
        for root in pids:
            if root not in stats:
                continue
            total += stats[root][2]
            todo = [root]
            while todo:
                pid = todo.pop()
                total += stats[pid][1]
                todo.extend(children.get(pid, []))
        out[group] = total / CLOCK_TICKS
    return out


def postmaster_pid(url: str) -> int:
    import psycopg

    with psycopg.connect(url, autocommit=True) as conn:
        backend = conn.execute("SELECT pg_backend_pid()").fetchone()[0]
    return _stat(backend)[0]


def measured(tier, feed: Feed, groups: dict, *, seconds: float, args):
    """One measured run: (seconds, results, errors, CPU seconds each group of processes used)."""
    before = cpu_seconds(groups)
    elapsed, results, errors = run_phase(
        tier.port, feed, seconds=seconds, concurrency=args.concurrency, max_errors=args.max_errors
    )
    after = cpu_seconds(groups)
    return elapsed, results, errors, {g: after[g] - before[g] for g in groups}


def kind_costs(tier, w: dict, groups: dict, args) -> dict:
    """Each kind of request alone for a few seconds: CPU milliseconds per request in the app servers,
    in the primary, and in every process of the tier (app, database, proxy, cache)."""
    costs = {}
    for kind in MIX:
        feed = Feed(w, seed=11, mix={kind: 1})
        run_phase(tier.port, feed, seconds=2, concurrency=args.concurrency, max_errors=10**9)
        seconds, results, _errors, spent = measured(tier, feed, groups, seconds=args.cost_seconds, args=args)
        n = max(len(results[kind]), 1)
        costs[kind] = (
            len(results[kind]),
            1000 * spent["gunicorn (all apps)"] / n,
            1000 * spent["PostgreSQL primary"] / n,
            1000 * sum(v for g, v in spent.items() if g != "worker + scheduler") / n,
        )
    return costs


def wal_lsn(url: str) -> int:
    import psycopg

    with psycopg.connect(url, autocommit=True) as conn:
        return int(conn.execute("SELECT pg_current_wal_lsn() - '0/0'::pg_lsn").fetchone()[0])


def checkin_bytes(url: str) -> tuple[int, int]:
    """(rows, bytes with indexes and TOAST) of the check-in table, all its day partitions and the
    receipts of their client ids: the growth per check-in."""
    import psycopg

    with psycopg.connect(url, autocommit=True) as conn:
        conn.execute("ANALYZE checkins_checkin")
        return conn.execute(
            "SELECT (SELECT count(*) FROM checkins_checkin), "
            "((SELECT sum(pg_total_relation_size(relid)) FROM pg_partition_tree('checkins_checkin')) "
            "+ pg_total_relation_size('checkins_receipt'))::bigint"
        ).fetchone()


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--seconds", type=float, default=45, help="measured seconds per phase")
    ap.add_argument(
        "--warmup", type=float, default=20, help="seconds before measuring (the scheduler's first jobs run)"
    )
    ap.add_argument("--concurrency", type=int, default=24, help="clients at once")
    ap.add_argument("--apps", type=int, default=2, help="gunicorn instances behind HAProxy")
    ap.add_argument("--workers", type=int, default=3, help="sync workers per gunicorn instance")
    ap.add_argument("--venues", type=int, default=2000)
    ap.add_argument("--people", type=int, default=50_000)
    ap.add_argument("--checkins", type=int, default=500_000)
    ap.add_argument("--scan-people", type=int, default=3000)
    ap.add_argument("--citizen-venues", type=int, default=500)
    ap.add_argument(
        "--cost-seconds", type=float, default=10, help="each kind alone, for its CPU cost (0: skip)"
    )
    ap.add_argument("--max-errors", type=int, default=200, help="stop a phase after this many 5xx/failed")
    ap.add_argument("--phases", default="primary,replica", help="primary (no replica), replica, or both")
    args = ap.parse_args()

    replica_url = os.environ.get("EPIQR_REPLICA_URL", "")
    phases = [p for p in args.phases.split(",") if p]
    if "replica" in phases and not replica_url:
        raise SystemExit("the replica phase needs tools/with_postgres.py --replica")
    django_setup()
    from django.db import connection

    print(f"machine: {machine()}")
    print(f"database: {connection.vendor}; load average at start: {os.getloadavg()[0]:.1f}")
    w = build(args)
    feed = Feed(w, seed=5)
    tier_mod = web_tier_module()
    primary_pm = postmaster_pid(os.environ.get("EPIQR_DIRECT_URL") or os.environ["DATABASE_URL"])
    standby_pm = postmaster_pid(replica_url) if replica_url else None
    report = []
    costs = {}
    for phase in phases:
        env = {"EPIQR_REPLICA_URL": replica_url if phase == "replica" else "", "DB_CONN_MAX_AGE": "60"}
        tier = tier_mod.WebTier(apps=args.apps, workers=args.workers, background=1, env=env)
        try:
            run_phase(tier.port, feed, seconds=args.warmup, concurrency=args.concurrency, max_errors=10**9)
            groups = {
                "gunicorn (all apps)": [p.pid for p in tier.app_procs],
                "PostgreSQL primary": [primary_pm],
                "HAProxy": [p.pid for p in tier.procs if p.args[0] == "haproxy"],
                "memcached": [p.pid for p in tier.procs if p.args[0] == "memcached"],
                "worker + scheduler": [p.pid for p in tier.procs if "epiqr" in str(p.args[0])],
            }
            if standby_pm:
                groups["PostgreSQL standby"] = [standby_pm]
            direct = os.environ.get("EPIQR_DIRECT_URL") or os.environ["DATABASE_URL"]
            wal_before = wal_lsn(direct)
            t_self = time.process_time()
            load_before = os.getloadavg()[0]
            seconds, results, errors, spent = measured(tier, feed, groups, seconds=args.seconds, args=args)
            cpu = {g: spent[g] / seconds for g in groups}
            cpu["load generator"] = (time.process_time() - t_self) / seconds
            wal = wal_lsn(direct) - wal_before
            report.append((phase, seconds, results, errors, cpu, load_before, os.getloadavg()[0], wal))
            if phase == phases[0] and args.cost_seconds > 0:
                costs = kind_costs(tier, w, groups, args)
        finally:
            tier.stop()

    print()
    print(
        f"{args.apps} app servers x {args.workers} sync workers behind HAProxy, {args.concurrency} clients, "
        f"{args.seconds:.0f} s per phase after {args.warmup:.0f} s warm-up; mix {MIX}, batches of {BATCH_ITEMS}"
    )
    for phase, seconds, results, errors, cpu, l0, l1, wal in report:
        total = sum(len(v) for v in results.values())
        checkins = len(results["scan"]) + BATCH_ITEMS * len(results["batch"])
        print(
            f"\n== {phase}: {total / seconds:.0f} requests/s, {checkins / seconds:.0f} check-ins/s stored "
            f"({total} requests in {seconds:.1f} s, {errors} failed or 5xx; load {l0:.1f} -> {l1:.1f})"
        )
        print(
            f"WAL written: {wal / 1e6:.1f} MB, {wal / max(checkins, 1):.0f} bytes per stored check-in "
            "(everything the phase wrote, declarations and tracing runs included)"
        )
        print("kind            requests   req/s    p50 ms    p99 ms  statuses")
        for kind in MIX:
            rows = results.get(kind, [])
            if not rows:
                continue
            lat = [r[0] for r in rows]
            statuses = defaultdict(int)
            for _lat, status in rows:
                statuses[status] += 1
            print(
                f"{kind:14} {len(rows):9} {len(rows) / seconds:7.1f} {pct(lat, 50) * 1000:9.1f} "
                f"{pct(lat, 99) * 1000:9.1f}  {dict(sorted(statuses.items()))}"
            )
        print("CPU (cores busy on average; the machine has", os.cpu_count(), "):")
        for group, cores in sorted(cpu.items(), key=lambda kv: -kv[1]):
            print(f"  {group:22} {cores:5.2f}")
    if costs:
        print(
            f"\nCPU per request, each kind alone for {args.cost_seconds:.0f} s (milliseconds of CPU; "
            "the capacity model of docs/deployment.md multiplies these by the peak's rates):"
        )
        print("kind            requests   app ms   primary ms   all ms")
        for kind, (n, app_ms, db_ms, all_ms) in costs.items():
            print(f"{kind:14} {n:9} {app_ms:8.2f} {db_ms:12.2f} {all_ms:8.2f}")
    rows, size = checkin_bytes(os.environ.get("EPIQR_DIRECT_URL") or os.environ["DATABASE_URL"])
    print(
        f"\ncheck-in table: {rows:,} rows, {size / 1e6:.0f} MB with indexes: {size / max(rows, 1):.0f} bytes a check-in"
    )
    print(f"at {time.strftime('%Y-%m-%d %H:%M UTC', time.gmtime())}; load average {os.getloadavg()[0]:.1f}")


if __name__ == "__main__":
    main()
