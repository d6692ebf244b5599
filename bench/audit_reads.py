"""Audit benchmark: what recording reads of personal data costs (core.audit), against the same requests
with the recording middleware taken out.

- GET /people/<id>/ (an audited read of one person) and GET /people/?page_size=100 (a list of 100 people):
  median time and the statements each request sends, with and without `core.middleware.AuditReads`.
- POST /api/v1/checkins/scan (the check-in hot path, declared no_personal_data): the same, to show it pays
  nothing.
- The event write alone (core.services.audit_people_record) with 1, 100 and 2,000 people.
- The alert's exact count (distinct people an account read in the last hour) over 5,000 rows of that
  account, which only accounts near the limit pay.

    .venv/bin/python tools/with_postgres.py --durable -- .venv/bin/python bench/audit_reads.py
    EPIQR_VAR_DIR=$(mktemp -d) .venv/bin/python bench/audit_reads.py          # SQLite
"""

import argparse
import os
import statistics
import sys
import time


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--repeat", type=int, default=200)
    args = ap.parse_args()

    here = os.path.dirname(os.path.abspath(__file__))
    sys.path.insert(0, os.path.join(here, "..", "src"))
    sys.path.insert(0, os.path.join(here, ".."))
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "epiqr.settings")
    import django

    django.setup()
    from django.conf import settings
    from django.core.management import call_command
    from django.db import connection
    from django.test import Client, override_settings
    from django.test.utils import CaptureQueriesContext, setup_test_environment

    setup_test_environment()
    settings.ALLOWED_HOSTS = ["*"]
    call_command("migrate", verbosity=0)
    world = build()
    print(f"database: {connection.vendor}; {args.repeat} requests per line, median")

    without = [m for m in settings.MIDDLEWARE if m != "epiqr.core.middleware.AuditReads"]
    officer, person, token, venue_token, cards = world
    scans = iter(cards)

    def clients():
        # A client builds its middleware chain on its first request: one per mode.
        client = Client()
        client.force_login(officer)
        _verify(client, officer)
        return client, Client(headers={"Authorization": f"Bearer {token}"})

    cases = [
        ("GET /people/<id>/", lambda client, api: client.get(f"/people/{person.public_id}/")),
        ("GET /people/?page_size=100", lambda client, api: client.get("/people/", {"page_size": 100})),
        (
            "POST /api/v1/checkins/scan",
            lambda client, api: api.post(
                "/api/v1/checkins/scan",
                {"venue_token": venue_token, "payload": next(scans)},
                content_type="application/json",
            ),
        ),
    ]
    for label, call in cases:
        for mode, middleware in (("audited", settings.MIDDLEWARE), ("no audit middleware", without)):
            with override_settings(MIDDLEWARE=middleware):
                client, api = clients()
                times, statements = measure(
                    lambda c=call, cl=client, a=api: c(cl, a), args.repeat, connection, CaptureQueriesContext
                )
            print(f"{label:32} {mode:20} {statistics.median(times) * 1000:7.2f} ms  {statements} statements")

    from epiqr.core.models import AuditPerson
    from epiqr.core.services import audit_people_record

    for n in (1, 100, 2000):
        ids = list(range(1, n + 1))
        times = []
        for _ in range(max(20, args.repeat // 4)):
            start = time.perf_counter()
            audit_people_record(actor=officer, action="bench.write", people=ids)
            times.append(time.perf_counter() - start)
        print(f"event write with {n:5} people: {statistics.median(times) * 1000:7.2f} ms")

    from datetime import timedelta

    from epiqr.audit.services import people_read_in_window
    from epiqr.core.timeutil import now

    AuditPerson.objects.filter(actor_id=officer.pk).delete()
    at = now()
    event = audit_people_record(actor=officer, action="bench.window", people=[])
    AuditPerson.objects.bulk_create(
        [
            AuditPerson(event=event, person_id=i, actor_id=officer.pk, at=at - timedelta(seconds=i % 3000))
            for i in range(5000)
        ]
    )
    times = []
    for _ in range(50):
        start = time.perf_counter()
        count = people_read_in_window(actor_id=officer.pk, until=at)
        times.append(time.perf_counter() - start)
    print(f"alert's exact count over 5,000 rows ({count} people): {statistics.median(times) * 1000:7.2f} ms")


def _verify(client, user) -> None:
    from django_otp import DEVICE_ID_SESSION_KEY

    from tests.factories import otp_device

    session = client.session
    session[DEVICE_ID_SESSION_KEY] = otp_device(user).persistent_id
    session.save()


def measure(call, repeat, connection, capture):
    call()  # warm
    with capture(connection) as queries:
        response = call()
    assert response.status_code < 300, (response.status_code, response.content[:300])
    statements = len(queries.captured_queries)
    times = []
    for _ in range(repeat):
        start = time.perf_counter()
        call()
        times.append(time.perf_counter() - start)
    return times, statements


def build():
    """An officer, 150 people of their commune, a venue and 5,000 scannable cards (made-up people)."""
    from epiqr.accounts.services import api_token_create
    from epiqr.core.permissions import Role
    from epiqr.geo.models import Commune, Province
    from epiqr.geo.services import units_load
    from epiqr.venues.selectors import venue_token
    from tests.checkins.conftest import cccd_payload
    from tests.factories import PersonFactory, VenueFactory, user_factory

    if not Province.objects.exists():
        units_load()
    commune = Commune.objects.order_by("code").first()
    officer = user_factory(Role.COMMUNE_OFFICER, commune=commune, username=f"bench-{time.time_ns()}")
    staff = user_factory(Role.ADMIN, username=f"bench-admin-{time.time_ns()}")
    people = [PersonFactory(commune=commune) for _ in range(150)]
    venue = VenueFactory(commune=commune)
    base = time.time_ns() % 100 * 10_000
    cards = [cccd_payload(serial=base + i) for i in range(5000)]
    token = api_token_create(user=staff, name="bench")
    return officer, people[0], token, venue_token(venue=venue), cards


if __name__ == "__main__":
    main()
