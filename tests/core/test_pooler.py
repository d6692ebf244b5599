"""The app's main paths through PgBouncer 1.18 in transaction pooling (EPIQR_PG_POOLER=transaction):
staff scans, an offline batch sent twice, a tracing run. PostgreSQL half only (the `pg_pooler` fixture);
PgBouncer's own statistics prove the statements went through it."""

import time
import uuid
from datetime import timedelta

import psycopg
import pytest
from django.db import connections
from django.utils import timezone

from epiqr.cases.models import Case
from epiqr.core.permissions import Role
from epiqr.people.models import Person
from tests.checkins.conftest import cccd_payload


def pooler_transactions(pooler, database: str) -> int:
    """Transactions PgBouncer has passed to `database` (its admin console, SHOW STATS; the figures are
    gathered every second, `stats_period = 1`)."""
    time.sleep(1.5)
    with psycopg.connect(
        host="127.0.0.1", port=pooler.port, user="epiqr", dbname="pgbouncer", autocommit=True
    ) as admin:
        cur = admin.cursor()
        cur.execute("SHOW STATS")
        names = [c.name for c in cur.description]
        rows = [dict(zip(names, r, strict=True)) for r in cur.fetchall()]
    return sum(int(r["total_xact_count"]) for r in rows if r["database"] == database)


@pytest.mark.django_db(transaction=True)
def test_scans_a_batch_and_a_tracing_run_work_through_pgbouncer(
    through_pooler, make_user, api_client, commune, reference_data
):
    from tests.factories import VenueFactory

    database = connections["default"].settings_dict["NAME"]
    before = pooler_transactions(through_pooler, database)
    owner = make_user(Role.VENUE_OWNER)
    venue = VenueFactory(commune=commune, owner=owner, capacity=20)
    station = api_client(owner)
    started = timezone.now() - timedelta(minutes=40)
    # Single scans, enough of them that a prepared statement would have been made and reused.
    cards = [cccd_payload() for _ in range(8)]
    for i, card in enumerate(cards):
        r = station.post(
            "/api/v1/checkins/scan",
            {
                "venue": venue.code,
                "payload": card,
                "scanned_at": (started + timedelta(minutes=i)).isoformat(),
            },
            content_type="application/json",
        )
        assert r.status_code == 200, r.content
        assert r.json()["status"] == "ok"
    # An offline batch, sent twice: stored once.
    items = [
        {
            "client_id": str(uuid.uuid4()),
            "venue": venue.code,
            "payload": cccd_payload(),
            "scanned_at": (started + timedelta(minutes=m)).isoformat(),
        }
        for m in (2, 3, 4)
    ]
    for expected in ((3, 0), (0, 3)):
        r = station.post("/api/v1/checkins/batch", {"items": items}, content_type="application/json")
        assert r.status_code == 200, r.content
        assert (r.json()["stored"], r.json()["duplicates"]) == expected
    # The first person scanned is confirmed: a tracing run finds the others who were there.
    first = Person.objects.order_by("pk").first()
    case = Case.objects.create(person=first, confirmed_on=timezone.localdate(), commune=commune)
    officer = api_client(make_user(Role.ADMIN))
    r = officer.post(
        "/api/v1/tracing/runs",
        {"case": case.pk, "policy": "vn-window-60", "degree": 1},
        content_type="application/json",
    )
    assert r.status_code == 201, r.content
    run = r.json()
    contacts = officer.get(f"/api/v1/tracing/runs/{run['id']}/contacts?page_size=200")
    assert contacts.status_code == 200
    assert len(contacts.json()["items"]) >= 10  # 7 other scans and 3 batch scans within the hour
    assert pooler_transactions(through_pooler, database) > before + 20
