"""Doses recorded through the station's API (gunicorn, PostgreSQL) against a bare Django view that inserts
one dose row, in the same run and the same server (issue 12: at least 70% of the bare view).

    .venv/bin/python tools/with_postgres.py --durable -- .venv/bin/python bench/vaccination_station.py
    .venv/bin/python tools/with_postgres.py --durable -- .venv/bin/python bench/vaccination_station.py --requests 1000 --rounds 3

Every station request is a new person's first dose: token auth, the session in the vaccinator's scope,
the CCCD payload parsed, then one statement on PostgreSQL (vaccination.store.station_scan_insert: the
person found by the card, the schedule checked against their doses, the screening note read, the dose
stored), and its event. The bare view's rows are numbered per person (a person's dose of a number is
unique). Rounds alternate bare and real; medians over rounds.
"""

import argparse
import time
from collections import Counter

from checkins_common import Server, django_setup, load, machine, median, pct, world


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--requests", type=int, default=2000, help="requests per round and kind")
    ap.add_argument("--rounds", type=int, default=5)
    ap.add_argument("--concurrency", type=int, default=8)
    ap.add_argument("--workers", type=int, default=4, help="gunicorn sync workers")
    args = ap.parse_args()
    people_needed = 2 * args.requests * args.rounds + 200
    django_setup()
    from django.db import connection

    from epiqr.accounts.services import api_token_create, user_create
    from epiqr.core.permissions import Role
    from epiqr.core.timeutil import local_today
    from epiqr.geo.models import Commune
    from epiqr.vaccination import services
    from epiqr.vaccination.models import Dose

    print(f"machine: {machine()}")
    print(f"database: {connection.vendor}")
    t0 = time.time()
    _owner, _token, _venues, payloads, person_ids = world(venues=1, people=people_needed, seed=12)
    commune = Commune.objects.order_by("code").first()
    vaccinator = user_create(
        username=f"bench-vacc-{int(t0)}",
        password="bench-password-1234",
        role=Role.VACCINATOR,
        commune_id=commune.pk,
    )
    token = api_token_create(user=vaccinator, name="bench")
    site = services.site_create(name="Điểm tiêm bench", commune_id=commune.pk)
    session = services.session_create(site=site, day=local_today(), team="bench", product="PFIZER")
    print(f"world: {len(payloads)} people ({time.time() - t0:.0f} s)")
    auth = {"Authorization": f"Bearer {token}"}
    station = f"/api/v1/vaccination/sessions/{session.pk}/doses"
    people = iter(range(len(payloads)))  # the station's people: the first half, one new person each
    half = len(person_ids) // 2
    bare_people = person_ids[
        half:
    ]  # the bare view's rows go to the other half (else the station sees a dose today)
    server = Server(workers=args.workers)
    try:
        bare_numbers: Counter = Counter()

        def bare(person_id):
            """A bare insert for this person, numbered after its earlier ones (number unique per person)."""
            bare_numbers[person_id] += 1
            return ("/bench/bare-dose", {}, {"person_id": person_id, "number": bare_numbers[person_id]})

        load(server.port, [bare(bare_people[i]) for i in range(100)], concurrency=args.concurrency)
        load(
            server.port,
            [(station, auth, {"payload": payloads[next(people)]}) for _ in range(100)],
            concurrency=args.concurrency,
        )
        results, lat = {"bare": [], "station": []}, {"bare": [], "station": []}
        for r in range(args.rounds):
            for kind in ("bare", "station") if r % 2 == 0 else ("station", "bare"):
                if kind == "bare":
                    reqs = [bare(bare_people[i % len(bare_people)]) for i in range(args.requests)]
                else:
                    reqs = [
                        (station, auth, {"payload": payloads[next(people)]}) for _ in range(args.requests)
                    ]
                seconds, latencies, statuses = load(server.port, reqs, concurrency=args.concurrency)
                expected = 200 if kind == "bare" else 201
                if statuses.get(expected, 0) != len(reqs):
                    raise SystemExit(f"{kind}: unexpected statuses {statuses}")
                results[kind].append(len(reqs) / seconds)
                lat[kind] += latencies
                print(
                    f"round {r + 1} {kind:7}: {len(reqs) / seconds:7.0f} req/s  p50 {pct(latencies, 50) * 1000:6.1f} ms"
                )
    finally:
        server.stop()
    print()
    for kind, label in (("bare", "bare view (1 INSERT)"), ("station", "station dose API")):
        print(
            f"{label:22} median {median(results[kind]):7.0f} req/s   p50 {pct(lat[kind], 50) * 1000:6.1f} ms"
            f"   p99 {pct(lat[kind], 99) * 1000:6.1f} ms"
        )
    ratio = median(results["station"]) / median(results["bare"])
    per_round = median([a / b for a, b in zip(results["station"], results["bare"], strict=True)])
    print(
        f"station API / bare view throughput: {ratio:.0%} (median of per-round ratios {per_round:.0%}; target >= 70%)"
    )
    print(f"doses stored by the station: {Dose.objects.filter(session=session).count()}")


if __name__ == "__main__":
    main()
