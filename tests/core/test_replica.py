"""The read replica (core.replica): declared heavy reads are served by a real streaming standby, writes
and reads of one's own writes stay on the primary, and a stopped or lagging standby is not used.

The PostgreSQL half of the suite starts the standby once (the `pg_standby` fixture); the SQLite half
skips these tests, except the first, which holds on any database: nothing changes without a replica."""

import time

import pytest
from django.db import connections, transaction
from django.test.utils import CaptureQueriesContext

from epiqr.accounts.models import User
from epiqr.core import replica as routing
from epiqr.core.permissions import Role
from epiqr.core.replica import read_alias, read_connection, replica_ok

ON_BOTH = pytest.mark.django_db(transaction=True, databases=["default", "replica"])


def in_recovery(alias: str) -> bool:
    """Asks the server behind `alias` itself whether it is a standby."""
    with connections[alias].cursor() as cur:
        cur.execute("SELECT pg_is_in_recovery()")
        return cur.fetchone()[0]


def test_without_a_replica_every_read_stays_on_the_primary(db):
    with replica_ok():
        assert read_alias() == "default"
        assert read_connection() is connections["default"]
        assert User.objects.all().db == "default"


@ON_BOTH
def test_a_declared_heavy_read_is_served_by_the_standby(replica, make_user):
    officer = make_user(Role.COMMUNE_OFFICER, username="nguoi-doc-ban-sao")
    replica.caught_up()
    routing.unit_of_work_start()  # a new request: the set-up's writes are not this one's
    assert not in_recovery(read_alias())  # undeclared: the primary
    with replica_ok():
        assert read_alias() == "replica"
        with read_connection().cursor() as cur:
            cur.execute("SELECT pg_is_in_recovery()")
            assert cur.fetchone()[0] is True
        found = User.objects.filter(username="nguoi-doc-ban-sao")
        assert found.db == "replica" and in_recovery(found.db)
        assert list(found.values_list("pk", flat=True)) == [officer.pk]


@ON_BOTH
def test_the_dashboard_and_triage_pages_read_on_the_standby(replica, make_user, client, commune):
    officer = make_user(Role.COMMUNE_OFFICER, commune=commune)
    client.force_login(officer)
    replica.caught_up()
    with CaptureQueriesContext(connections["replica"]) as on_standby:
        page = client.get("/dashboards/")
    assert page.status_code == 200
    assert any("dashboards_" in q["sql"] for q in on_standby.captured_queries)
    with CaptureQueriesContext(connections["replica"]) as on_standby:
        page = client.get("/tracing/triage/")
    assert page.status_code == 200
    assert on_standby.captured_queries  # the day's cases and the batch trace's reads


@ON_BOTH
def test_a_write_then_a_read_of_it_in_the_same_request_sees_it(replica, make_user):
    replica.pause()  # the standby cannot have the row: only the primary can answer
    routing.unit_of_work_start()
    settings_lag = 3600  # lag is not what keeps this read on the primary
    from django.conf import settings

    settings.EPIQR_REPLICA_MAX_LAG = settings_lag
    written = User.objects.create(username="vua-ghi", role=Role.COMMUNE_OFFICER)
    with replica_ok():
        assert read_alias() == "default"
        assert User.objects.filter(pk=written.pk).exists()
    # The next request has written nothing: its declared read goes to the (paused) standby, which
    # does not have the row yet. This is why the read above had to stay on the primary.
    routing.unit_of_work_start()
    with replica_ok():
        assert read_alias() == "replica"
        assert not User.objects.filter(pk=written.pk).exists()
    replica.resume()
    replica.caught_up()
    with replica_ok():
        assert User.objects.filter(pk=written.pk).exists()


@ON_BOTH
def test_a_raw_write_and_a_transaction_keep_reads_on_the_primary(replica, make_user):
    make_user(Role.COMMUNE_OFFICER)
    replica.caught_up()
    routing.unit_of_work_start()
    with transaction.atomic(), replica_ok():
        assert read_alias() == "default"
    with replica_ok():
        assert read_alias() == "replica"
    with connections["default"].cursor() as cur:
        cur.execute(f"UPDATE {User._meta.db_table} SET first_name = 'Lan' WHERE id = -1")
    with replica_ok():
        assert read_alias() == "default"


@ON_BOTH
def test_a_stopped_standby_falls_back_to_the_primary_without_an_error(replica, make_user, client, commune):
    officer = make_user(Role.COMMUNE_OFFICER, commune=commune)
    client.force_login(officer)
    replica.caught_up()
    replica.stop()
    with CaptureQueriesContext(connections["default"]) as on_primary:
        page = client.get("/dashboards/")
    assert page.status_code == 200
    assert any("dashboards_" in q["sql"] for q in on_primary.captured_queries)
    assert routing.health().reason == "unreachable"
    with replica_ok():
        assert read_alias() == "default"
    replica.start()  # back, and used again once it has caught up
    replica.caught_up()
    routing.forget()
    routing.unit_of_work_start()
    with replica_ok():
        assert read_alias() == "replica"


@ON_BOTH
def test_a_lagging_standby_falls_back_to_the_primary(replica, make_user, client, commune, settings):
    officer = make_user(Role.COMMUNE_OFFICER, commune=commune)
    client.force_login(officer)
    replica.caught_up()
    settings.EPIQR_REPLICA_MAX_LAG = 0.5
    replica.pause()
    User.objects.create(username="sau-khi-dung", role=Role.COMMUNE_OFFICER)  # WAL the standby holds back
    time.sleep(1.0)
    routing.unit_of_work_start()
    health = routing.health()
    assert health.reason == "lagging" and health.lag >= 0.5
    with CaptureQueriesContext(connections["replica"]) as on_standby:
        page = client.get("/dashboards/")
    assert page.status_code == 200
    assert not any("dashboards_" in q["sql"] for q in on_standby.captured_queries)
    replica.resume()
    replica.caught_up()
    routing.unit_of_work_start()
    with replica_ok():
        assert read_alias() == "replica"


@ON_BOTH
def test_the_lag_is_measured_once_per_period(replica, settings):
    settings.EPIQR_REPLICA_CHECK_SECONDS = 60
    routing.forget()
    first = routing.health()
    assert first.usable and routing.health() is first
    routing.forget()
    assert routing.health() is not first
