"""Tracing benchmark: storing a run's contacts and exposures, the way run_create does it (plain tuples,
COPY on PostgreSQL, executemany on SQLite) against Django bulk_create of model instances (the former
way), on the same rows, alternately, each inside a transaction that is rolled back.

    .venv/bin/python tools/with_postgres.py --durable -- .venv/bin/python bench/tracing_store.py
    DATABASE_URL=sqlite:////tmp/store.sqlite3 .venv/bin/python bench/tracing_store.py

Default size: 3,000 contacts with 130 exposures each (~390,000 rows), the size of the demo's former
F2 run, whose storing took ~55 s with bulk_create in a profile of `epiqr demo`.
"""

import argparse
import os
import random
import statistics
import sys
import time
from datetime import UTC, datetime, timedelta


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--contacts", type=int, default=3000)
    ap.add_argument("--exposures", type=int, default=130, help="exposures per contact")
    ap.add_argument("--repeat", type=int, default=3)
    args = ap.parse_args()

    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "epiqr.settings")
    sys.path.insert(0, os.path.join(os.path.dirname(__file__), "..", "src"))
    import django

    django.setup()
    from django.core.management import call_command
    from django.db import connection, transaction

    from epiqr.cases.services import case_open
    from epiqr.core.pgsql import rows_insert
    from epiqr.core.timeutil import local_today
    from epiqr.people.models import Person
    from epiqr.tracing.models import Contact, Exposure, TracingRun
    from epiqr.tracing.services import CONTACT_FIELDS, EXPOSURE_FIELDS
    from epiqr.tracing.synth import synth_world
    from epiqr.venues.models import Venue

    call_command("migrate", verbosity=0)
    if Person.objects.count() < args.contacts + 1:
        synth_world(venues=200, people=args.contacts + 10, checkins=1000, days=2, out=lambda s: None)
    people = list(Person.objects.values_list("pk", flat=True)[: args.contacts + 1])
    venues = list(Venue.objects.values_list("pk", flat=True)[:200])
    rng = random.Random(7)
    base = datetime(2026, 1, 10, 1, tzinfo=UTC)
    sources = [(people[0], 10_000 + i, base + timedelta(minutes=37 * i)) for i in range(40)]
    contacts, exposures = [], []
    for n, pid in enumerate(people[1:]):
        contacts.append((pid, 1 + n % 2, "high" if n % 3 else "low", 20.0, base, None, "to_call", None, None))
        for _ in range(args.exposures):
            src_person, src_id, src_start = rng.choice(sources)
            start = src_start + timedelta(minutes=rng.randint(-60, 60), seconds=rng.randint(0, 59))
            exposures.append(
                (
                    pid,
                    rng.choice(venues),
                    rng.randint(1, 10**9),
                    start,
                    start + timedelta(minutes=45),
                    src_person,
                    src_id,
                    src_start,
                    src_start + timedelta(minutes=60),
                    12.5,
                    None,
                    "low",
                )
            )
    print(
        f"database: {connection.vendor}; {len(contacts)} contacts, {len(exposures)} exposures; "
        f"{args.repeat} rounds, each way alternately"
    )

    contact_names = [Contact._meta.get_field(f).attname for f in CONTACT_FIELDS]
    exposure_names = [Exposure._meta.get_field(f).attname for f in EXPOSURE_FIELDS]

    class Rollback(Exception):
        pass

    def once(fast: bool) -> float:
        try:
            with transaction.atomic():
                case = case_open(person=Person.objects.get(pk=people[0]), confirmed_on=local_today())
                run = TracingRun.objects.create(case=case, period_start=base, period_end=base)
                t0 = time.perf_counter()
                if fast:
                    rows_insert(Contact, CONTACT_FIELDS, ((run.pk, *c) for c in contacts))
                else:
                    Contact.objects.bulk_create(
                        [Contact(run=run, **dict(zip(contact_names[1:], c, strict=True))) for c in contacts],
                        batch_size=1000,
                    )
                ids = dict(run.contacts.values_list("person_id", "pk"))
                rows = ((ids[e[0]], *e[1:]) for e in exposures)
                if fast:
                    stored = rows_insert(Exposure, EXPOSURE_FIELDS, rows)
                else:
                    made = Exposure.objects.bulk_create(
                        [Exposure(**dict(zip(exposure_names, r, strict=True))) for r in rows], batch_size=1000
                    )
                    stored = len(made)
                elapsed = time.perf_counter() - t0
                assert (
                    stored == len(exposures) and Exposure.objects.filter(contact__run=run).count() == stored
                )
                raise Rollback
        except Rollback:
            return elapsed

    fast_t, slow_t = [], []
    for _ in range(args.repeat):
        slow_t.append(once(False))
        fast_t.append(once(True))
    slow, fast = statistics.median(slow_t), statistics.median(fast_t)
    print(f"  bulk_create of model instances : median {slow:.2f} s ({', '.join(f'{t:.2f}' for t in slow_t)})")
    print(f"  tuples (COPY / executemany)    : median {fast:.2f} s ({', '.join(f'{t:.2f}' for t in fast_t)})")
    print(f"  ratio bulk_create / tuples     : {slow / fast:.1f}x; {len(exposures) / fast:,.0f} exposures/s")


if __name__ == "__main__":
    main()
