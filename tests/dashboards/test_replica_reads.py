"""The dashboards API's reads are heavy reads the streaming replica may serve (core.replica): the curve,
activity, hours, occupancy, levels, a place's level history, the map and the deployment progress go to a
real standby when there is one, and to the primary when there is none or it is stopped.

The standby tests run on PostgreSQL (the `replica` fixture: pg_basebackup -R of the test cluster); the
SQLite half skips them. The test without a replica holds on both databases."""

from datetime import timedelta

import pytest
from django.db import connections
from django.test.utils import CaptureQueriesContext

from epiqr.cases.models import Case
from epiqr.core import replica as routing
from epiqr.core.permissions import Role
from epiqr.core.timeutil import local_today
from epiqr.dashboards.services import day_counts_refresh, levels_recompute, population_set
from tests.factories import PersonFactory

ON_BOTH = pytest.mark.django_db(transaction=True, databases=["default", "replica"])


def reads(commune) -> list[str]:
    """Every GET operation of /api/v1/dashboards/."""
    return [
        "/api/v1/dashboards/curve",
        "/api/v1/dashboards/activity",
        "/api/v1/dashboards/activity/hours",
        "/api/v1/dashboards/occupancy",
        "/api/v1/dashboards/levels",
        f"/api/v1/dashboards/levels/commune/{commune.pk}",
        "/api/v1/dashboards/map",
        "/api/v1/dashboards/deployment",
    ]


def three_cases(commune) -> None:
    today = local_today()
    for i in range(3):
        Case.objects.create(
            person=PersonFactory(commune=commune), commune=commune, confirmed_on=today - timedelta(days=i)
        )
    day_counts_refresh(days={today - timedelta(days=i) for i in range(14)})
    population_set(commune_id=commune.pk, population=10_000)
    levels_recompute(day=today)


def warm(api):
    """A token's first use in five minutes records when it was used: a write, after which that request
    reads the primary (its own write). Use it once, as any client in service has."""
    assert api.get("/api/v1/accounts/me").status_code == 200
    return api


def answered_on(alias: str, api, url: str):
    """GET `url` as a new request; the answer and the dashboards statements `alias` answered."""
    routing.unit_of_work_start()
    with CaptureQueriesContext(connections[alias]) as seen:
        answer = api.get(url)
    assert answer.status_code == 200, (url, answer.content[:300])
    return answer, [q["sql"] for q in seen.captured_queries if "dashboards_" in q["sql"]]


@ON_BOTH
def test_every_dashboards_api_read_is_served_by_the_standby(replica, make_user, api_client, geo, commune):
    three_cases(commune)
    officer = make_user(Role.PROVINCE_OFFICER, province=geo)
    api = warm(api_client(officer))
    replica.caught_up()
    for url in reads(commune):
        routing.unit_of_work_start()
        with (
            CaptureQueriesContext(connections["replica"]) as on_standby,
            CaptureQueriesContext(connections["default"]) as on_primary,
        ):
            answer = api.get(url)
        assert answer.status_code == 200, (url, answer.content[:300])
        assert any("dashboards_" in q["sql"] for q in on_standby.captured_queries), url
        assert not any("dashboards_" in q["sql"] for q in on_primary.captured_queries), url
    # What the standby answered is the primary's data, replayed.
    curve, _sql = answered_on("replica", api, "/api/v1/dashboards/curve")
    assert sum(d["confirmed"] for d in curve.json()) == 3
    level = api.get(f"/api/v1/dashboards/levels/commune/{commune.pk}").json()
    assert [r["day"] for r in level] == [local_today().isoformat()]


@ON_BOTH
def test_a_stopped_standby_leaves_the_dashboards_api_on_the_primary(
    replica, make_user, api_client, geo, commune
):
    three_cases(commune)
    api = warm(api_client(make_user(Role.PROVINCE_OFFICER, province=geo)))
    replica.caught_up()
    replica.stop()
    curve, sql = answered_on("default", api, "/api/v1/dashboards/curve")
    assert sql and sum(d["confirmed"] for d in curve.json()) == 3
    assert routing.health().reason == "unreachable"
    _levels, sql = answered_on("default", api, "/api/v1/dashboards/levels")
    assert sql


@pytest.mark.django_db
def test_without_a_replica_the_dashboards_api_reads_the_primary(make_user, api_client, geo, commune):
    """No EPIQR_REPLICA_URL (the SQLite default, most deployments): nothing changes, every read is the
    primary's."""
    three_cases(commune)
    api = api_client(make_user(Role.PROVINCE_OFFICER, province=geo))
    for url in reads(commune):
        _answer, sql = answered_on("default", api, url)
        assert sql, url
    curve, _sql = answered_on("default", api, "/api/v1/dashboards/curve")
    assert sum(d["confirmed"] for d in curve.json()) == 3
