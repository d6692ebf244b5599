"""Single staff scans over HTTP (gunicorn, PostgreSQL): the real POST /api/v1/checkins/scan against a bare
Django view that inserts one row into the same table, in the same run and the same server.

    .venv/bin/python tools/with_postgres.py --durable -- .venv/bin/python bench/checkins_scan.py
    .venv/bin/python tools/with_postgres.py --durable -- .venv/bin/python bench/checkins_scan.py --requests 3000 --rounds 5

Every request is a new (venue, person) pair, so every real scan takes the full path (token auth, payload
parse, person lookup by document, isolation check, duplicate check, insert) and is stored. Rounds alternate
bare and real so that the noise of other sessions on the machine hits both; medians over rounds are
reported, p50/p99 latency over all requests of each kind. The table is pre-filled (--rows) so that the
indexes are not trivially small. A round of each kind runs unmeasured first (--warmup): every worker
reads each venue's facts once before it caches them (venues.selectors.VENUE_FACTS_SECONDS), 600 lookups
with 6 workers and 100 venues, and with a warm-up of 100 requests those fell into the first measured
scan rounds.
"""

import argparse
import random
import time

from checkins_common import Server, django_setup, load, machine, median, pct, world


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--requests", type=int, default=2000, help="requests per round and kind")
    ap.add_argument("--rounds", type=int, default=5)
    ap.add_argument("--concurrency", type=int, default=8)
    ap.add_argument("--workers", type=int, default=4, help="gunicorn sync workers")
    ap.add_argument("--venues", type=int, default=100)
    ap.add_argument("--people", type=int, default=2000)
    ap.add_argument("--rows", type=int, default=500_000, help="check-ins already in the table")
    ap.add_argument("--seed", type=int, default=5)
    ap.add_argument(
        "--warmup",
        type=int,
        default=None,
        help="unmeasured requests of each kind first (default: --requests)",
    )
    ap.add_argument("--breakdown-only", action="store_true", help="only the in-process step timings")
    ap.add_argument(
        "--in-process",
        action="store_true",
        help="both views through Django's WSGI handler in this process (no HTTP): wall and Python CPU",
    )
    args = ap.parse_args()

    django_setup()
    from django.db import connection

    from epiqr.checkins.models import CheckIn

    print(f"machine: {machine()}")
    print(f"database: {connection.vendor}")
    t0 = time.time()
    _owner, token, venues, payloads, person_ids = world(
        venues=args.venues, people=args.people, seed=args.seed
    )
    print(f"world: {len(venues)} venues, {len(payloads)} people ({time.time() - t0:.0f} s)")
    if args.rows and connection.vendor == "postgresql":
        prefill(connection, venues, person_ids, args.rows, args.seed)
    print(f"check-ins in table: {CheckIn.objects.count()}")

    rng = random.Random(args.seed)
    if args.breakdown_only:
        breakdown(token, _owner, venues, payloads, person_ids, rng)
        return
    if args.in_process:
        in_process(token, venues, payloads, person_ids, rng, requests=args.requests, rounds=args.rounds)
        return
    if args.warmup is None:
        args.warmup = args.requests
    pairs = [(vi, pi) for vi in range(len(venues)) for pi in range(len(payloads))]
    rng.shuffle(pairs)
    needed = 2 * args.requests * args.rounds + 2 * args.warmup
    if len(pairs) < needed:
        raise SystemExit(f"need {needed} distinct (venue, person) pairs; raise --venues or --people")
    pairs_iter = iter(pairs)
    auth = {"Authorization": f"Bearer {token}"}

    server = Server(workers=args.workers)
    try:
        warm = [
            ("/bench/bare-insert", {}, {"venue_id": venues[0].pk, "person_id": person_ids[0]})
        ] * args.warmup
        load(server.port, warm, concurrency=args.concurrency)
        warm = []
        for _ in range(args.warmup):
            vi, pi = next(pairs_iter)
            warm.append(("/api/v1/checkins/scan", auth, {"venue": venues[vi].code, "payload": payloads[pi]}))
        load(server.port, warm, concurrency=args.concurrency)

        results = {"bare": [], "scan": []}
        lat = {"bare": [], "scan": []}
        for r in range(args.rounds):
            for kind in ("bare", "scan") if r % 2 == 0 else ("scan", "bare"):
                reqs = []
                for _ in range(args.requests):
                    vi, pi = next(pairs_iter)
                    if kind == "bare":
                        reqs.append(
                            (
                                "/bench/bare-insert",
                                {},
                                {"venue_id": venues[vi].pk, "person_id": person_ids[pi]},
                            )
                        )
                    else:
                        reqs.append(
                            (
                                "/api/v1/checkins/scan",
                                auth,
                                {"venue": venues[vi].code, "payload": payloads[pi]},
                            )
                        )
                seconds, latencies, statuses = load(server.port, reqs, concurrency=args.concurrency)
                ok = statuses.get(200, 0)
                if ok != len(reqs):
                    raise SystemExit(f"{kind}: unexpected statuses {statuses}")
                results[kind].append(len(reqs) / seconds)
                lat[kind] += latencies
                print(
                    f"round {r + 1} {kind:4}: {len(reqs) / seconds:7.0f} req/s  p50 {pct(latencies, 50) * 1000:6.1f} ms"
                )
    finally:
        server.stop()

    print()
    print(
        f"{args.rounds} rounds x {args.requests} requests, concurrency {args.concurrency}, gunicorn {args.workers} sync workers"
    )
    for kind, label in (("bare", "bare view (1 INSERT)"), ("scan", "real scan API")):
        print(
            f"{label:22} median {median(results[kind]):7.0f} req/s   p50 {pct(lat[kind], 50) * 1000:6.1f} ms"
            f"   p99 {pct(lat[kind], 99) * 1000:6.1f} ms"
        )
    ratio = median(results["scan"]) / median(results["bare"])
    per_round = median([a / b for a, b in zip(results["scan"], results["bare"], strict=True)])
    print(
        f"real scan / bare view throughput: {ratio:.0%} (median of per-round ratios {per_round:.0%}; issue 17: >= 90%)"
    )
    stored = CheckIn.objects.filter(
        method="staff", client_id__isnull=False
    ).count()  # scans carry a visit key
    print(
        f"rows stored by the scan API (incl. 100 warm-up): {stored} (expected {args.rounds * args.requests + 100})"
    )
    breakdown(token, _owner, venues, payloads, person_ids, rng)


def in_process(token, venues, payloads, person_ids, rng, *, requests, rounds):
    """The same two requests through Django's WSGI handler, no server: wall time and this process's CPU
    time (the Python, psycopg included) per request, rounds alternated; what is left of the wall time is
    the database's."""
    import io
    import json

    from django.conf import settings
    from django.core.handlers.wsgi import WSGIHandler

    settings.ROOT_URLCONF = "bench.bare_urls"  # the bench server's URLs: the product's and the bare view
    handler = WSGIHandler()
    pairs = [(vi, pi) for vi in range(len(venues)) for pi in range(len(payloads))]
    rng.shuffle(pairs)
    pairs_iter = iter(pairs)

    def call(path, body, auth=""):
        raw = json.dumps(body).encode()
        environ = {
            "REQUEST_METHOD": "POST",
            "PATH_INFO": path,
            "SCRIPT_NAME": "",
            "SERVER_NAME": "127.0.0.1",
            "SERVER_PORT": "80",
            "HTTP_HOST": "127.0.0.1",
            "REMOTE_ADDR": "127.0.0.1",
            "CONTENT_TYPE": "application/json",
            "CONTENT_LENGTH": str(len(raw)),
            "wsgi.input": io.BytesIO(raw),
            "wsgi.url_scheme": "http",
            "wsgi.errors": io.StringIO(),
        }
        if auth:
            environ["HTTP_AUTHORIZATION"] = auth
        status = []
        answer = handler(environ, lambda s, h, e=None: status.append(s))
        b"".join(answer)
        answer.close()
        if not status[0].startswith("200"):
            raise SystemExit(f"{path}: {status[0]}")

    def bare():
        vi, pi = next(pairs_iter)
        call("/bench/bare-insert", {"venue_id": venues[vi].pk, "person_id": person_ids[pi]})

    def scan():
        vi, pi = next(pairs_iter)
        call("/api/v1/checkins/scan", {"venue": venues[vi].code, "payload": payloads[pi]}, f"Bearer {token}")

    for _ in range(200):
        bare()
        scan()
    wall: dict[str, list[float]] = {"bare": [], "scan": []}
    cpu: dict[str, list[float]] = {"bare": [], "scan": []}
    for r in range(rounds):
        for kind, fn in (("bare", bare), ("scan", scan)) if r % 2 == 0 else (("scan", scan), ("bare", bare)):
            t0, c0 = time.perf_counter(), time.process_time()
            for _ in range(requests):
                fn()
            wall[kind].append((time.perf_counter() - t0) / requests * 1e6)
            cpu[kind].append((time.process_time() - c0) / requests * 1e6)
    per_round = [b / s for b, s in zip(wall["bare"], wall["scan"], strict=True)]
    print(f"in process, {rounds} rounds x {requests} requests a kind (medians, per request):")
    for kind in ("bare", "scan"):
        w, c = median(wall[kind]), median(cpu[kind])
        print(f"  {kind:5} wall {w:6.0f} us   Python CPU {c:6.0f} us   the rest (database) {w - c:5.0f} us")
    print(
        f"  bare / scan: {median(wall['bare']) / median(wall['scan']):.0%} "
        f"(median of per-round ratios {median(per_round):.0%})"
    )


def breakdown(token, owner, venues, payloads, person_ids, rng, n=300):
    """Where a scan's time goes, step by step, in this process (no HTTP): medians of n calls each."""
    from django.utils import timezone

    from epiqr.accounts.services import api_token_authenticate
    from epiqr.checkins import selectors, services
    from epiqr.checkins.models import CheckIn
    from epiqr.people.services import person_from_scan
    from epiqr.venues.codes import code_normalise

    def timed(label, fn):
        samples = []
        for i in range(n):
            t0 = time.perf_counter()
            fn(i)
            samples.append(time.perf_counter() - t0)
        print(f"  {label:44} {median(samples) * 1000:6.2f} ms")

    offset = rng.randrange(10**6)
    print()
    print(f"in-process breakdown (median of {n} calls each):")
    from epiqr.checkins.api import _station_venue_id
    from epiqr.people.parsers import parse_payload
    from epiqr.people.selectors import person_for_scanned_document

    user = api_token_authenticate(raw=token)
    timed("token authentication, cached (accounts)", lambda i: api_token_authenticate(raw=token))
    timed(
        "venue code within the user's scope, cached (api)",
        lambda i: _station_venue_id(user, venue=venues[i % len(venues)].code),
    )
    timed(
        "before: venue scope query (checkins)",
        lambda i: (
            selectors.venues_for_station(user=owner)
            .filter(code=code_normalise(venues[i % len(venues)].code))
            .values_list("pk", flat=True)
            .first()
        ),
    )
    timed("parse the CCCD payload (people)", lambda i: parse_payload(payloads[i % len(payloads)]))
    timed(
        "person by document, one query (people)",
        lambda i: person_for_scanned_document(doc=parse_payload(payloads[i % len(payloads)])),
    )
    timed(
        "before: person_from_scan: parse + find (people)",
        lambda i: person_from_scan(payload=payloads[i % len(payloads)]),
    )
    timed(
        "before: isolation check (cases, raw SQL)",
        lambda i: services._active_case_reason(person_ids[i % len(person_ids)]),
    )
    timed(
        "visit insert unless isolated or within the window",
        lambda i: services.checkin_record(
            venue_id=venues[(i + offset) % len(venues)].pk,
            person_id=person_ids[(i * 7 + offset) % len(person_ids)],
            method="staff",
            unless_isolated=True,
        ),
    )
    docs = [parse_payload(p) for p in payloads]
    timed(
        "known card, one statement: person, isolation, window, insert",
        lambda i: services._scan_in_one_statement(
            venue_id=venues[(i + offset + 1) % len(venues)].pk,
            doc=docs[(i * 7 + offset) % len(docs)],
            method="staff",
            at=timezone.now(),
            has_symptoms=None,
        ),
    )
    timed(
        "bare ORM insert (what the bare view does)",
        lambda i: CheckIn.objects.create(
            venue_id=venues[0].pk,
            person_id=person_ids[i % len(person_ids)],
            checked_in_at=timezone.now(),
            method="staff",
        ),
    )


def prefill(connection, venues, person_ids, rows, seed):
    """COPY `rows` background check-ins spread over the last 14 days."""
    import datetime as dt

    rng = random.Random(seed + 1)
    now = dt.datetime.now(dt.UTC)
    t0 = time.time()
    with connection.cursor() as cur:
        with cur.cursor.copy(
            "COPY checkins_checkin (venue_id, person_id, checked_in_at, method) FROM STDIN"
        ) as copy:
            for _ in range(rows):
                copy.write_row(
                    (
                        rng.choice(venues).pk,
                        rng.choice(person_ids),
                        now - dt.timedelta(days=14 * rng.random(), hours=1),
                        "import",
                    )
                )
    # VACUUM as well, so that autovacuum's first pass over the new rows cannot fall inside the rounds.
    with connection.cursor() as cur:
        cur.execute("VACUUM (ANALYZE) checkins_checkin")
    print(f"prefill: {rows} rows in {time.time() - t0:.0f} s")


if __name__ == "__main__":
    main()
