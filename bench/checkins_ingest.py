"""Bulk ingestion of check-ins on PostgreSQL: the batch API (over gunicorn) and the CSV import command,
each against a raw COPY of the same rows into the same table, in the same run.

    .venv/bin/python tools/with_postgres.py --durable -- .venv/bin/python bench/checkins_ingest.py
    .venv/bin/python tools/with_postgres.py --durable -- .venv/bin/python bench/checkins_ingest.py --rows 200000 --rounds 3

Each round truncates the table before each method, so all start from the same state, and the order of
the methods rotates between rounds. Rows name people by public id (what a device that synced its
person list sends, and what a migration file carries); a smaller run of batch items carrying raw ID-card
payloads (each parsed and looked up) is reported separately. Medians over rounds.
"""

import argparse
import csv
import datetime as dt
import os
import random
import tempfile
import time
import uuid

from checkins_common import Server, chunks, django_setup, load, machine, median, world


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--rows", type=int, default=100_000, help="check-ins per method and round")
    ap.add_argument("--rounds", type=int, default=3)
    ap.add_argument("--batch", type=int, default=1000, help="items per batch API request")
    ap.add_argument("--concurrency", type=int, default=4, help="parallel uploaders")
    ap.add_argument("--workers", type=int, default=4, help="gunicorn sync workers")
    ap.add_argument("--people", type=int, default=20_000)
    ap.add_argument("--venues", type=int, default=200)
    ap.add_argument("--payload-rows", type=int, default=10_000, help="batch items with raw payloads")
    ap.add_argument("--seed", type=int, default=9)
    args = ap.parse_args()

    django_setup()
    from django.core.management import call_command
    from django.db import connection

    from epiqr.checkins.models import CheckIn
    from epiqr.people.models import Person

    print(f"machine: {machine()}")
    print(f"database: {connection.vendor}")
    if connection.vendor != "postgresql":
        raise SystemExit("run through tools/with_postgres.py: the baseline is PostgreSQL COPY")
    _owner, token, venues, payloads, _ids = world(venues=args.venues, people=500, seed=args.seed)
    Person.objects.bulk_create(
        [
            Person(full_name=f"Người Thử {i}", name_folded=f"nguoi thu {i}", birth_year=1980)
            for i in range(args.people)
        ],
        batch_size=5000,
    )
    people = list(Person.objects.values_list("pk", "public_id"))
    print(f"world: {len(venues)} venues, {len(people)} people")
    rng = random.Random(args.seed)
    now = dt.datetime.now(dt.UTC)

    def make_rows(n):
        """Distinct visits: no person twice at one venue within 10 minutes (that would be one visit)."""
        out, seen = [], set()
        while len(out) < n:
            v = rng.choice(venues)
            pk, public_id = rng.choice(people)
            at = (now - dt.timedelta(seconds=rng.randrange(10 * 86400))).replace(microsecond=0)
            slot = int(at.timestamp()) // 600
            if any((v.pk, pk, slot + d) in seen for d in (-1, 0, 1)):
                continue
            seen.add((v.pk, pk, slot))
            out.append((v.pk, v.code, pk, public_id, at, uuid.uuid4()))
        return out

    def truncate():
        with connection.cursor() as cur:
            # CASCADE: the phones' links to their visits (DeviceCheckIn) go with them.
            cur.execute(f"TRUNCATE {CheckIn._meta.db_table} CASCADE")

    def raw_copy(rows):
        t0 = time.perf_counter()
        with connection.cursor() as cur:
            with cur.cursor.copy(
                f"COPY {CheckIn._meta.db_table} (venue_id, person_id, checked_in_at, method, client_id) FROM STDIN"
            ) as copy:
                for venue_id, _code, pk, _pub, at, cid in rows:
                    copy.write_row((venue_id, pk, at, "import", cid))
        return time.perf_counter() - t0

    def import_command(rows):
        fd, path = tempfile.mkstemp(suffix=".csv")
        with os.fdopen(fd, "w", newline="") as f:
            w = csv.writer(f)
            w.writerow(["venue_code", "person", "checked_in_at", "client_id"])
            for _vid, code, _pk, pub, at, cid in rows:
                w.writerow([code, pub, at.isoformat(), cid])
        t0 = time.perf_counter()
        call_command("import_checkins", path, "--quiet", stdout=open(os.devnull, "w"))
        seconds = time.perf_counter() - t0
        os.unlink(path)
        return seconds

    auth = {"Authorization": f"Bearer {token}"}

    def batch_api(rows):
        reqs = [
            (
                "/api/v1/checkins/batch",
                auth,
                {
                    "items": [
                        {
                            "client_id": str(cid),
                            "venue": code,
                            "person": str(pub),
                            "scanned_at": at.isoformat(),
                        }
                        for _vid, code, _pk, pub, at, cid in chunk
                    ]
                },
            )
            for chunk in chunks(rows, args.batch)
        ]
        seconds, _lat, statuses = load(server.port, reqs, concurrency=args.concurrency)
        if statuses.get(200) != len(reqs):
            raise SystemExit(f"batch API statuses {statuses}")
        return seconds

    server = Server(workers=args.workers)
    methods = {"raw COPY": raw_copy, "import command": import_command, "batch API": batch_api}
    rates = {name: [] for name in methods}
    try:
        # Warm every worker (first request: imports, connection, prepared statements), as long-lived
        # production workers are; two requests warmed at most two of them.
        batch_api(make_rows(2 * args.workers * args.batch))
        for r in range(args.rounds):
            rows = make_rows(args.rows)
            order = list(methods)
            order = order[r % 3 :] + order[: r % 3]
            for name in order:
                truncate()
                seconds = methods[name](rows)
                stored = CheckIn.objects.count()
                if stored != len(rows):
                    raise SystemExit(f"{name}: stored {stored} of {len(rows)}")
                rates[name].append(len(rows) / seconds)
                print(f"round {r + 1} {name:15}: {len(rows) / seconds:9,.0f} check-ins/s ({seconds:.1f} s)")
        # Raw payloads: each item parsed (CCCD) and its person looked up by document.
        truncate()
        items = []
        for i in range(args.payload_rows):
            v = venues[i % len(venues)]
            at = (now - dt.timedelta(seconds=rng.randrange(10 * 86400))).replace(microsecond=0)
            items.append(
                {
                    "client_id": str(uuid.uuid4()),
                    "venue": v.code,
                    "payload": rng.choice(payloads),
                    "scanned_at": at.isoformat(),
                }
            )
        reqs = [("/api/v1/checkins/batch", auth, {"items": c}) for c in chunks(items, args.batch)]
        seconds, _lat, statuses = load(server.port, reqs, concurrency=args.concurrency)
        payload_rate = len(items) / seconds
    finally:
        server.stop()

    print()
    print(
        f"{args.rounds} rounds x {args.rows} check-ins; batch API {args.batch} items/request, "
        f"{args.concurrency} uploaders, gunicorn {args.workers} sync workers"
    )
    base = median(rates["raw COPY"])
    for name in methods:
        m = median(rates[name])
        per_round = median([a / b for a, b in zip(rates[name], rates["raw COPY"], strict=True)])
        print(
            f"{name:15} median {m:9,.0f} check-ins/s   {m / base:5.0%} of raw COPY"
            f"   (median of per-round ratios: {per_round:.0%})"
        )
    print(
        f"batch API with raw ID-card payloads ({args.payload_rows} items): {payload_rate:,.0f} check-ins/s "
        f"({payload_rate / base:.0%} of raw COPY)"
    )
    print("target: batch API and import >= 50% of raw COPY")


if __name__ == "__main__":
    main()
