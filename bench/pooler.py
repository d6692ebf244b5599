"""PgBouncer in front of PostgreSQL: single staff scans over HTTP (gunicorn, the real POST
/api/v1/checkins/scan) straight to PostgreSQL, through PgBouncer in session pooling, and through PgBouncer
in transaction pooling (EPIQR_PG_POOLER=transaction: no prepared statements), with a new database
connection per request (DB_CONN_MAX_AGE=0) and with persistent connections (DB_CONN_MAX_AGE=60).

    .venv/bin/python tools/with_postgres.py --durable -- .venv/bin/python bench/pooler.py
    .venv/bin/python tools/with_postgres.py --durable -- .venv/bin/python bench/pooler.py --requests 2000 --rounds 3

The three servers of one connection policy run side by side (same workers each) and rounds alternate
between them, so that the noise of other sessions on the machine hits all three; medians over rounds are
reported, p50/p99 latency over all requests of each mode. Every request is a new (venue, person) pair,
so every scan takes the full path and is stored. PgBouncer and the servers listen on loopback only and
are stopped at the end (tools/with_postgres.py stops PostgreSQL).
"""

import argparse
import importlib.util
import os
import random
import time
from urllib.parse import urlparse

from checkins_common import ROOT, Server, django_setup, load, machine, median, pct, world


def tools():
    spec = importlib.util.spec_from_file_location("with_postgres", ROOT / "tools" / "with_postgres.py")
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--requests", type=int, default=1500, help="requests per round and mode")
    ap.add_argument("--rounds", type=int, default=3)
    ap.add_argument("--concurrency", type=int, default=16)
    ap.add_argument("--workers", type=int, default=4, help="gunicorn sync workers per server")
    ap.add_argument("--pool-size", type=int, default=8, help="PgBouncer server connections per database")
    ap.add_argument("--venues", type=int, default=60)
    ap.add_argument("--people", type=int, default=1000)
    ap.add_argument("--seed", type=int, default=17)
    args = ap.parse_args()

    direct = os.environ["DATABASE_URL"]
    if os.environ.get("EPIQR_PG_POOLER"):
        raise SystemExit("run without --pooler: this benchmark starts its own PgBouncers")
    django_setup()
    from django.db import connection

    print(f"machine: {machine()}")
    print(f"database: {connection.vendor}; load average at start: {os.getloadavg()[0]:.1f}")
    _owner, token, venues, payloads, _ids = world(venues=args.venues, people=args.people, seed=args.seed)
    auth = {"Authorization": f"Bearer {token}"}
    rng = random.Random(args.seed)
    pairs = [(vi, pi) for vi in range(len(venues)) for pi in range(len(payloads))]
    rng.shuffle(pairs)
    needed = 2 * 3 * (args.requests * args.rounds + 100)
    if len(pairs) < needed:
        raise SystemExit(f"need {needed} distinct (venue, person) pairs; raise --venues or --people")
    feed = iter(pairs)

    def scans(n):
        out = []
        for _ in range(n):
            vi, pi = next(feed)
            out.append(("/api/v1/checkins/scan", auth, {"venue": venues[vi].code, "payload": payloads[pi]}))
        return out

    t = tools()
    port = urlparse(direct).port
    poolers = {
        mode: t.pooler_start(port, mode=mode, pool_size=args.pool_size) for mode in ("session", "transaction")
    }
    urls = {"direct": direct, **{mode: p.url() for mode, p in poolers.items()}}
    summary = []
    try:
        for max_age in ("0", "60"):
            servers = {}
            try:
                for mode, url in urls.items():
                    os.environ.update(
                        DATABASE_URL=url,
                        DB_CONN_MAX_AGE=max_age,
                        EPIQR_PG_POOLER="" if mode == "direct" else mode,
                    )
                    servers[mode] = Server(workers=args.workers)
                for server in servers.values():
                    load(server.port, scans(100), concurrency=args.concurrency)  # warm-up
                rates = {m: [] for m in servers}
                lat = {m: [] for m in servers}
                for r in range(args.rounds):
                    order = list(servers)[r % 3 :] + list(servers)[: r % 3]
                    for mode in order:
                        seconds, latencies, statuses = load(
                            servers[mode].port, scans(args.requests), concurrency=args.concurrency
                        )
                        if statuses.get(200, 0) != args.requests:
                            raise SystemExit(f"{mode}: unexpected statuses {statuses}")
                        rates[mode].append(args.requests / seconds)
                        lat[mode] += latencies
                        print(
                            f"conn_max_age {max_age:>2} round {r + 1} {mode:11}: {args.requests / seconds:6.0f} scans/s"
                            f"  p50 {pct(latencies, 50) * 1000:6.1f} ms  (load {os.getloadavg()[0]:.1f})"
                        )
                for mode in servers:
                    summary.append(
                        (
                            max_age,
                            mode,
                            median(rates[mode]),
                            pct(lat[mode], 50) * 1000,
                            pct(lat[mode], 99) * 1000,
                        )
                    )
            finally:
                for server in servers.values():
                    server.stop()
    finally:
        for p in poolers.values():
            p.stop()
        os.environ["DATABASE_URL"] = direct

    print()
    print(
        f"{args.rounds} rounds x {args.requests} scans per mode, concurrency {args.concurrency}, "
        f"gunicorn {args.workers} sync workers per server, PgBouncer pool size {args.pool_size}"
    )
    print("DB_CONN_MAX_AGE  mode          scans/s (median)   p50 ms   p99 ms")
    for max_age, mode, rate, p50, p99 in summary:
        print(f"{max_age:>15}  {mode:12}  {rate:16.0f}   {p50:6.1f}   {p99:6.1f}")
    print(
        f"load average at the end: {os.getloadavg()[0]:.1f}; at {time.strftime('%Y-%m-%d %H:%M UTC', time.gmtime())}"
    )


if __name__ == "__main__":
    main()
