"""Several app servers behind HAProxy (tools/web_tier.py), sharing nothing but the database and the
cache: requests are spread over them, one failing is taken out without a lost scan, a public rate
limit counts across them, and the background worker and the scheduler run twice without doing a job
twice. PostgreSQL half only (the app servers are separate processes on the test database)."""

import csv
import http.client
import importlib.util
import io
import json
import os
import shutil
import time
from pathlib import Path
from urllib.parse import urlparse

import pytest
from django.db import connections

from epiqr.checkins.models import CheckIn
from epiqr.core.permissions import Role
from epiqr.core.scheduler import jobs
from epiqr.venues.codes import code_make
from tests.checkins.conftest import cccd_payload

ROOT = Path(__file__).resolve().parents[2]


def _web_tier_module():
    spec = importlib.util.spec_from_file_location("epiqr_web_tier", ROOT / "tools" / "web_tier.py")
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


def _test_database_url() -> str:
    s = connections["default"].settings_dict
    return f"postgres://{s['USER']}@{s['HOST'] or '127.0.0.1'}:{s['PORT']}/{s['NAME']}"


@pytest.fixture
def web_tier(request):
    if connections["default"].vendor != "postgresql":
        pytest.skip("needs PostgreSQL (run through tools/with_postgres.py)")
    missing = [name for name in ("haproxy", "memcached") if not shutil.which(name)]
    if missing:
        message = f"{', '.join(missing)} not installed (.ci/run installs them)"
        if os.environ.get("EPIQR_REQUIRE_POSTGRES") == "1":
            pytest.fail(message, pytrace=False)
        pytest.skip(message)
    background = getattr(request, "param", 0)
    tier = _web_tier_module().WebTier(
        apps=2, workers=1, background=background, env={"DATABASE_URL": _test_database_url()}
    )
    yield tier
    tier.stop()


def _send(tier, method: str, path: str, *, body=None, headers=None) -> tuple[int, bytes]:
    conn = http.client.HTTPConnection("127.0.0.1", tier.port, timeout=30)
    data = json.dumps(body) if body is not None else None
    conn.request(method, path, body=data, headers={"Content-Type": "application/json", **(headers or {})})
    response = conn.getresponse()
    payload = response.read()
    conn.close()
    return response.status, payload


def _scan(tier, *, venue, card: str, auth: dict) -> None:
    status, body = _send(
        tier, "POST", "/api/v1/checkins/scan", body={"venue": venue.code, "payload": card}, headers=auth
    )
    assert status == 200, body


def _served_per_app(tier) -> dict[str, int]:
    """Requests each app server has answered, from HAProxy's own statistics."""
    url = urlparse(tier.stats_url)
    conn = http.client.HTTPConnection(url.hostname, url.port, timeout=5)
    conn.request("GET", f"{url.path};csv")
    text = conn.getresponse().read().decode().lstrip("# ")
    rows = csv.DictReader(io.StringIO(text))
    return {
        r["svname"]: int(r["stot"] or 0)
        for r in rows
        if r["pxname"] == "apps" and r["svname"].startswith("app")
    }


@pytest.mark.django_db(transaction=True)
def test_scans_are_spread_over_the_app_servers_and_none_is_lost_when_one_fails(web_tier, make_user, commune):
    from epiqr.accounts.services import api_token_create
    from tests.factories import VenueFactory

    owner = make_user(Role.VENUE_OWNER)
    venue = VenueFactory(commune=commune, owner=owner, capacity=500)
    auth = {"Authorization": f"Bearer {api_token_create(user=owner, name='door')}"}
    cards = [cccd_payload() for _ in range(30)]
    for card in cards[:20]:
        _scan(web_tier, venue=venue, card=card, auth=auth)
    served = _served_per_app(web_tier)
    assert set(served) == {"app0", "app1"}
    assert all(n > 0 for n in served.values()), served

    web_tier.app_stop(0)
    for card in cards[20:]:
        _scan(web_tier, venue=venue, card=card, auth=auth)
    assert CheckIn.objects.filter(venue=venue).count() == 30


@pytest.mark.django_db(transaction=True)
def test_a_public_limit_counts_the_asker_across_every_app_server(web_tier):
    """20 unknown venue codes per network in ten minutes, whichever app server answers: with a cache
    per process, two servers would allow 40."""
    answers = []
    for _ in range(24):
        status, _body = _send(web_tier, "GET", f"/v?code={code_make()}", headers={"Accept-Language": "en"})
        answers.append(status)
    assert answers[:20] == [404] * 20
    assert answers[20:] == [429] * 4
    assert all(n > 0 for n in _served_per_app(web_tier).values())


@pytest.mark.django_db(transaction=True)
@pytest.mark.parametrize("web_tier", [2], indirect=True)
def test_two_schedulers_and_two_workers_run_each_job_once(web_tier):
    """Both schedulers find every job due at start; each job is enqueued once and run once."""
    from django_tasks_db.models import DBTaskResult

    from epiqr.core.models import ScheduledJobRun

    expected = {job.name for job in jobs()}
    deadline = time.time() + 120
    while time.time() < deadline:
        results = list(DBTaskResult.objects.all())
        if len(results) >= len(expected) and all(r.status in ("SUCCESSFUL", "FAILED") for r in results):
            break
        time.sleep(0.5)
    assert set(ScheduledJobRun.objects.values_list("name", flat=True)) == expected
    results = list(DBTaskResult.objects.all())
    assert len(results) == len(expected), sorted(r.task_path for r in results)
    assert {r.status for r in results} == {"SUCCESSFUL"}, [(r.task_path, r.status) for r in results]
