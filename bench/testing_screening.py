"""Mass-screening day: pair people with pooled tubes through the batch API, then import and resolve results.

  .venv/bin/python tools/with_postgres.py --durable -- .venv/bin/python bench/testing_screening.py [--people N]

1. Pairing: N people (default 1,000,000) in pools of 10, sent as the sampling devices send them: POST
   /api/v1/testing/sessions/<id>/batch with 500 tubes (5,000 EpiQR personal QR payloads) per request,
   through Django's full request stack (middleware, bearer token, Ninja parsing, service, bulk inserts),
   in process (no network). Figures: people paired per second overall and the median per request.
   Baseline in the same run: the same rows (tubes, tube events, members) written with COPY, rolled back.
2. Results: 100,000 tube results (1% positive pools) as a lab CSV file, read and imported with
   results_import, which also resolves every member (1,000,000 outcome updates). Figures: seconds for the
   import (reading, checking, storing results) and for the resolution, against the same writes done
   directly in SQL (temp table + INSERT/UPDATE ... FROM) in the same run. Each repeat runs inside a
   transaction that is rolled back, so every repeat sees the same data; medians are reported.
   Notifications and case opening are queued after commit (background tasks) and are not counted here.
"""

import argparse
import io
import json
import statistics
import sys
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))
from checkins_common import django_setup, machine  # noqa: E402


def make_people(n: int, commune) -> float:
    from epiqr.core.text import fold
    from epiqr.people.models import Person

    start = time.perf_counter()
    chunk = 20_000
    for base in range(0, n, chunk):
        Person.objects.bulk_create(
            [
                Person(
                    full_name=f"Người Thử {i}",
                    name_folded=fold(f"Nguoi Thu {i}"),
                    birth_year=1950 + i % 60,
                    commune=commune,
                )
                for i in range(base, min(n, base + chunk))
            ],
            batch_size=chunk,
        )
    return time.perf_counter() - start


def pair(session, token: str, *, people: int, pool: int, tubes_per_batch: int) -> dict:
    from django.test import Client

    from epiqr.people.models import Person
    from epiqr.people.personal_qr import personal_qr_make

    client = Client(headers={"Authorization": f"Bearer {token}"})
    url = f"/api/v1/testing/sessions/{session.pk}/batch"
    per_batch = tubes_per_batch * pool
    rates, total_time, paired, batch_no, last_pk = [], 0.0, 0, 0, 0
    while paired < people:
        rows = list(
            Person.objects.filter(pk__gt=last_pk)
            .order_by("pk")
            .values_list("pk", "public_id", "qr_generation", "full_name", "birth_year")[
                : min(per_batch, people - paired)
            ]
        )
        if not rows:
            break
        last_pk = rows[-1][0]
        payloads = [
            personal_qr_make(public_id=pid, generation=gen, full_name=name, birth_year=year)
            for _pk, pid, gen, name, year in rows
        ]
        body = json.dumps(
            {
                "client_id": f"bench-device-{batch_no}",
                "tubes": [
                    {"barcode": f"SCR-{batch_no:05d}-{t:04d}", "members": payloads[t * pool : (t + 1) * pool]}
                    for t in range((len(payloads) + pool - 1) // pool)
                ],
            }
        )
        start = time.perf_counter()
        response = client.post(url, body, content_type="application/json")
        elapsed = time.perf_counter() - start
        data = response.json()
        if response.status_code != 200 or data["rejected"]:
            raise SystemExit(f"batch {batch_no} failed: {response.status_code} {str(data)[:500]}")
        paired += data["people"]
        total_time += elapsed
        rates.append(data["people"] / elapsed)
        batch_no += 1
        if batch_no % 20 == 0:
            print(f"  ... {paired:,} paired, {paired / total_time:,.0f}/s", flush=True)
    return {
        "paired": paired,
        "seconds": total_time,
        "rate": paired / total_time,
        "median": statistics.median(rates),
    }


def pair_baseline(session, *, people: int, pool: int) -> float:
    """People per second for the same rows written with COPY (tubes, events, members), rolled back."""
    from django.db import connection, transaction

    from epiqr.people.models import Person

    ids = list(Person.objects.order_by("pk").values_list("pk", flat=True)[:people])
    start = time.perf_counter()
    with transaction.atomic():
        with connection.cursor() as cur:
            now = "2021-09-15 08:00:00+07"
            with cur.copy(
                "COPY testing_tube (barcode, session_id, status, member_count, result, opened_at, closed_at) "
                "FROM STDIN"
            ) as copy:
                for t in range(len(ids) // pool):
                    copy.write_row((f"BASE-{t:07d}", session.pk, "closed", pool, "", now, now))
            cur.execute("SELECT id FROM testing_tube WHERE barcode LIKE 'BASE-%%' ORDER BY barcode")
            tube_ids = [r[0] for r in cur.fetchall()]
            with cur.copy("COPY testing_tubeevent (tube_id, from_status, to_status, at) FROM STDIN") as copy:
                for tid in tube_ids:
                    copy.write_row((tid, "open", "closed", now))
            with cur.copy(
                "COPY testing_tubemember (tube_id, session_id, person_id, added_at, outcome, slip_code) FROM STDIN"
            ) as copy:
                for i, pid in enumerate(ids[: len(tube_ids) * pool]):
                    copy.write_row((tube_ids[i // pool], session.pk, pid, now, "pending", f"B{i:010d}"))
        elapsed = time.perf_counter() - start
        transaction.set_rollback(True)
    return len(ids) / elapsed


def results_csv(session, *, count: int, positive_share: float) -> tuple[bytes, int]:
    from epiqr.testing.models import Tube

    barcodes = list(
        Tube.objects.filter(session=session).order_by("barcode").values_list("barcode", flat=True)[:count]
    )
    every = max(1, round(1 / positive_share))
    out = io.StringIO()
    out.write("barcode,result,ct,tested_at\n")
    positives = 0
    for i, b in enumerate(barcodes):
        if i % every == 0:
            out.write(f"{b},positive,{20 + i % 15}.5,2021-09-15 20:00\n")
            positives += 1
        else:
            out.write(f"{b},negative,,2021-09-15 20:00\n")
    return out.getvalue().encode(), positives


def results_service(data: bytes, lab) -> dict:
    from django.db import transaction

    from epiqr.testing import importing, results, services

    timings = {}
    original = results._resolve_members

    def timed(*args, **kwargs):
        start = time.perf_counter()
        try:
            return original(*args, **kwargs)
        finally:
            timings["resolve"] = time.perf_counter() - start

    results._resolve_members = timed
    try:
        with transaction.atomic():
            start = time.perf_counter()
            rows = importing.rows_from_file(name="lab.csv", data=data)
            report = services.results_import(rows=rows, actor=lab)
            total = time.perf_counter() - start
            transaction.set_rollback(True)
    finally:
        results._resolve_members = original
    if not report.ok:
        raise SystemExit(f"import refused: {[str(r) for r in report.refused[:5]]}")
    return {
        "total": total,
        "resolve": timings["resolve"],
        "import": total - timings["resolve"],
        "counts": report.counts,
        "accepted": report.stored,
    }


def results_sql(data: bytes) -> dict:
    """The same writes straight in SQL: COPY into a temp table, then set-based INSERT/UPDATE."""
    from django.db import connection, transaction

    with transaction.atomic():
        with connection.cursor() as cur:
            start = time.perf_counter()
            cur.execute(
                "CREATE TEMP TABLE bench_res (barcode text, value text, ct numeric, tested_at timestamptz) ON COMMIT DROP"
            )
            with cur.copy("COPY bench_res FROM STDIN WITH (FORMAT csv, HEADER true)") as copy:
                copy.write(data)
            cur.execute(
                "CREATE TEMP TABLE bench_t ON COMMIT DROP AS "
                "SELECT t.id, t.status, t.member_count, r.value, r.ct, r.tested_at FROM bench_res r "
                "JOIN testing_tube t ON t.barcode = r.barcode"
            )
            cur.execute(
                "INSERT INTO testing_labresult (tube_id, value, ct, tested_at, source, entered_at, note) "
                "SELECT id, value, ct, tested_at - interval '7 hours', 'import', now(), '' FROM bench_t"
            )
            cur.execute(
                "INSERT INTO testing_tubeevent (tube_id, from_status, to_status, at) "
                "SELECT id, status, 'resulted', now() FROM bench_t"
            )
            cur.execute(
                "UPDATE testing_tube t SET status = 'resulted', result = b.value, resulted_at = now() "
                "FROM bench_t b WHERE t.id = b.id"
            )
            imported = time.perf_counter()
            cur.execute(
                "UPDATE testing_tubemember m SET resulted_at = now(), notified_at = NULL, outcome = CASE "
                "WHEN b.value = 'negative' THEN 'negative' WHEN b.value = 'invalid' THEN 'resample' "
                "WHEN b.member_count = 1 THEN 'positive' ELSE 'pool_positive' END "
                "FROM bench_t b WHERE m.tube_id = b.id"
            )
            done = time.perf_counter()
        transaction.set_rollback(True)
    return {"import": imported - start, "resolve": done - imported, "total": done - start}


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--people", type=int, default=1_000_000)
    parser.add_argument("--pool", type=int, default=10)
    parser.add_argument("--tubes-per-batch", type=int, default=500)
    parser.add_argument("--results", type=int, default=100_000)
    parser.add_argument("--positive-share", type=float, default=0.01)
    parser.add_argument("--repeats", type=int, default=3)
    args = parser.parse_args()

    django_setup()
    from django.db import connection

    from epiqr.accounts.services import api_token_create
    from epiqr.core.permissions import Role
    from epiqr.core.timeutil import local_today
    from epiqr.geo.models import Commune, Province
    from epiqr.geo.services import units_load
    from epiqr.testing import services
    from epiqr.testing.models import TestKind
    from tests.factories import user_factory

    print(
        f"machine: {machine()}; database: {connection.vendor} {connection.pg_version if connection.vendor == 'postgresql' else ''}"
    )
    if not Province.objects.exists():
        units_load()
    commune = Commune.objects.filter(province_id=1).order_by("code").first()
    sampler = user_factory(Role.SAMPLER, commune=commune, username=f"bench-sampler-{time.time_ns()}")
    lab = user_factory(Role.LAB_TECH, province=commune.province, username=f"bench-lab-{time.time_ns()}")
    token = api_token_create(user=sampler, name="bench")
    site = services.site_create(name="Điểm lấy mẫu thử", commune_id=commune.pk)
    session = services.session_create(
        site=site, team="Tổ thử", day=local_today(), kind=TestKind.PCR_POOLED, pool_size_limit=args.pool
    )

    print(f"setup: {args.people:,} people created in {make_people(args.people, commune):.1f} s", flush=True)
    base_people = min(args.people, 100_000)
    baseline_rates = [pair_baseline(session, people=base_people, pool=args.pool) for _ in range(args.repeats)]
    baseline = statistics.median(baseline_rates)
    print(
        f"pairing baseline (COPY of tubes, events, members; {base_people:,} people): median {baseline:,.0f} people/s"
    )
    result = pair(session, token, people=args.people, pool=args.pool, tubes_per_batch=args.tubes_per_batch)
    print(
        f"PAIRING through POST .../batch ({args.tubes_per_batch} tubes x {args.pool} per request): "
        f"{result['paired']:,} people in {result['seconds']:.1f} s = {result['rate']:,.0f} people/s overall, "
        f"median {result['median']:,.0f}/s per request; {result['rate'] / baseline:.2f}x of raw COPY "
        f"(target >= 2,000/s)"
    )

    data, positives = results_csv(session, count=args.results, positive_share=args.positive_share)
    print(f"results file: {args.results:,} tubes, {positives:,} positive pools, {len(data) / 1e6:.1f} MB CSV")
    svc, sql = [], []
    for r in range(args.repeats):
        sql.append(results_sql(data))
        svc.append(results_service(data, lab))
        print(
            f"  repeat {r + 1}: service import {svc[-1]['import']:.2f} s + resolve {svc[-1]['resolve']:.2f} s"
            f" = {svc[-1]['total']:.2f} s; SQL import {sql[-1]['import']:.2f} s + resolve {sql[-1]['resolve']:.2f} s"
            f" = {sql[-1]['total']:.2f} s; outcomes {svc[-1]['counts']}",
            flush=True,
        )

    def med(rows, key):
        return statistics.median(x[key] for x in rows)

    print(
        f"RESULTS ({args.results:,} tubes, {args.results * args.pool:,} people), medians of {args.repeats}: "
        f"import {med(svc, 'import'):.2f} s, resolution {med(svc, 'resolve'):.2f} s, total {med(svc, 'total'):.2f} s "
        f"(target < 30 s); direct SQL: import {med(sql, 'import'):.2f} s, resolution {med(sql, 'resolve'):.2f} s, "
        f"total {med(sql, 'total'):.2f} s; service/SQL = {med(svc, 'total') / med(sql, 'total'):.2f}x"
    )


if __name__ == "__main__":
    main()
