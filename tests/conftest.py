"""Shared fixtures: database-backed factories, the fake notification adapter, and real Chromium.

Each domain's tests live in tests/<domain>/. Browser tests take the `browser` fixture (system
Chromium through Playwright) together with `live_server`; screenshots go to test-artifacts/.
"""

import os
import shutil
from pathlib import Path

import pytest
from hypothesis import HealthCheck, settings

# The properties judge what the code does, not how fast a shared 2-core machine draws examples: a slow
# draw or a slow example under load is not a failure (each property still runs its full example count).
settings.register_profile("epiqr", suppress_health_check=[HealthCheck.too_slow], deadline=None)
settings.load_profile("epiqr")

ARTIFACTS = Path(__file__).resolve().parent.parent / "test-artifacts"


# Passwords are hashed with one round of MD5 in the tests: the product's PBKDF2 (a million rounds, 0.3 s a
# password on this machine) made hashing the test accounts a third of the suite's time. The product's own
# hashers are checked by tests/accounts/test_passwords_and_lockout.py; nothing outside this process (the
# app servers some tests start) is handed a password made here.
TEST_PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]


def pytest_configure(config):
    from django.test.utils import override_settings

    override_settings(PASSWORD_HASHERS=TEST_PASSWORD_HASHERS).enable()  # clears the hasher caches


def pytest_report_header(config):
    from django.conf import settings

    return f"EpiQR database: {settings.DATABASES['default']['ENGINE'].rsplit('.', 1)[-1]}"


@pytest.fixture(scope="session")
def django_db_setup(django_db_setup, django_db_blocker):
    """The test database, dropped at the end with no other session in the way. A connection left open by
    some thread (seen: idle after a ROLLBACK, opened a minute and a half before the end of the PostgreSQL
    half) made PostgreSQL refuse the DROP DATABASE ("being accessed by other users"), a warning at the end
    of every run; such sessions are ended first, waiting up to five seconds for each."""
    yield
    from django.db import connection

    if connection.vendor != "postgresql":
        return
    with django_db_blocker.unblock(), connection.cursor() as cur:
        cur.execute(
            "SELECT count(pg_terminate_backend(pid, 5000)) FROM pg_stat_activity "
            "WHERE datname = current_database() AND pid <> pg_backend_pid() AND backend_type = 'client backend'"
        )
    connection.close()


@pytest.fixture(autouse=True)
def _fresh_cache():
    """Answers cached for a while (the public risky-venue feed, open data, tracing policies) never leak
    from one test's database into the next test (each test's rows are rolled back; the process's cache is
    not)."""
    from django.core.cache import cache

    from epiqr.tracing.policies import policy_cache_clear

    cache.clear()
    policy_cache_clear()
    yield
    cache.clear()
    policy_cache_clear()


@pytest.fixture(autouse=True)
def _language_reset():
    """A request in English (the test client runs it in this thread, and the locale middleware leaves
    its language active) must not make the next test's services speak English."""
    yield
    from django.conf import settings
    from django.utils import translation

    translation.activate(settings.LANGUAGE_CODE)


@pytest.fixture(autouse=True)
def _fake_notify(settings):
    from epiqr.notify.adapters import FakeAdapter

    settings.EPIQR_NOTIFY_ADAPTERS = {"sms": "fake", "email": "fake", "push": "fake"}
    FakeAdapter.reset()
    yield FakeAdapter
    FakeAdapter.reset()


@pytest.fixture(autouse=True)
def _force_login_with_second_factor(monkeypatch):
    """`client.force_login(user)` and `client.login(username=, password=)` stand for a whole login,
    second factor included: an account that needs one gets a session verified by its authenticator app
    (as django-otp records it). Tests of the real flow
    post to /accounts/login/ instead and must type the code (tests/accounts/test_second_factor.py)."""
    from django.test import Client

    original = Client.force_login

    def force_login(self, user, backend=None):
        from django_otp import DEVICE_ID_SESSION_KEY

        from epiqr.core.permissions import needs_second_factor
        from tests.factories import otp_device

        original(self, user, backend)
        if needs_second_factor(user):
            session = self.session
            session[DEVICE_ID_SESSION_KEY] = otp_device(user).persistent_id
            session.save()

    def login(self, **credentials):
        # Client.login authenticates without a request, which django-axes refuses; check the password
        # with Django's own backend and log in as force_login does (second factor included).
        from django.contrib.auth.backends import ModelBackend

        user = ModelBackend().authenticate(None, **credentials)
        if user is None:
            return False
        self.force_login(user, "django.contrib.auth.backends.ModelBackend")
        return True

    monkeypatch.setattr(Client, "force_login", force_login)
    monkeypatch.setattr(Client, "login", login)


class EventFailures(list):
    """Handlers (epiqr.core.events) that raised during the test. The test fails at teardown while any is
    left: a test that means a handler to fail asserts on `take()`, which empties the list."""

    def take(self) -> list:
        taken = list(self)
        self.clear()
        return taken


def watch_event_failures():
    """Generator behind the `event_failures` fixture: yields the list, fails at the end if not emptied."""
    from epiqr.core import events

    failures = EventFailures()

    def collect(sender, failure, **kwargs):
        failures.append(failure)

    uid = f"tests.event_failures.{id(failures)}"
    events.handler_failed.connect(collect, weak=False, dispatch_uid=uid)
    try:
        yield failures
    finally:
        events.handler_failed.disconnect(dispatch_uid=uid)
    if failures:
        import traceback

        told = "\n".join(
            f"{f.event} -> {f.handler}({f.payload}):\n" + "".join(traceback.format_exception(f.error))
            for f in failures
        )
        pytest.fail(f"event handlers failed during the test:\n{told}", pytrace=False)


@pytest.fixture(autouse=True)
def event_failures():
    """A failing event handler never undoes the emitter's write and is only logged in production; in
    tests it fails the test, so a broken reaction cannot hide behind a passing emitter."""
    yield from watch_event_failures()


@pytest.fixture
def sent_messages(_fake_notify):
    """Messages handed to the fake SMS/email adapter during the test."""
    return _fake_notify.sent


@pytest.fixture
def reference_data():
    """The rows the migrations ship (communes, tracing policies), loaded again when an earlier
    transactional test flushed them (its flush empties every table). A domain whose migrations ship
    rows adds its loader here."""
    from importlib import import_module

    from django.apps import apps

    from epiqr.geo.models import Province
    from epiqr.geo.services import units_load
    from epiqr.tracing.models import TracingPolicy

    if not Province.objects.exists():
        units_load()
    if not TracingPolicy.objects.exists():
        import_module("epiqr.tracing.migrations.0002_seed_policies").seed(apps, None)


@pytest.fixture
def geo(db):
    """Administrative units; reloaded if a transactional test flushed them."""
    from epiqr.geo.models import Province
    from epiqr.geo.services import units_load

    if not Province.objects.exists():
        units_load()
    return Province.objects.get(code=1)  # Thành phố Hà Nội


@pytest.fixture
def hanoi(geo):
    return geo


@pytest.fixture
def commune(geo):
    return geo.communes.order_by("code").first()


@pytest.fixture
def other_commune(geo):
    return geo.communes.order_by("code")[1]


@pytest.fixture
def make_user(db, geo):
    from tests.factories import user_factory

    return user_factory


@pytest.fixture
def api_client(db):
    """A Django test client that sends a bearer token for the given user: api_client(user)."""
    from django.test import Client

    from epiqr.accounts.services import api_token_create

    def build(user):
        token = api_token_create(user=user, name="test")
        return Client(headers={"Authorization": f"Bearer {token}"})

    return build


def _chromium_path() -> str | None:
    return os.environ.get("CHROMIUM") or shutil.which("chromium") or shutil.which("chromium-browser")


@pytest.fixture(scope="session")
def browser():
    path = _chromium_path()
    if path is None:
        if os.environ.get("EPIQR_REQUIRE_BROWSER") == "1":
            pytest.fail(
                "Chromium is required (EPIQR_REQUIRE_BROWSER=1) but not installed: apt-get install chromium"
            )
        pytest.skip("Chromium not installed: browser tests SKIPPED (apt-get install chromium)")
    os.environ.setdefault("DJANGO_ALLOW_ASYNC_UNSAFE", "true")
    from playwright.sync_api import sync_playwright

    with sync_playwright() as pw:
        b = pw.chromium.launch(
            executable_path=path,
            headless=True,
            args=[
                "--no-sandbox",
                "--disable-gpu",
                "--disable-quic",
                "--no-first-run",
                "--disable-background-networking",
                "--disable-component-update",
                "--disable-sync",
            ],
        )
        yield b
        b.close()


def csp_violations(page) -> list[str]:
    """Collects the page's Content-Security-Policy violations (Chromium reports each on the console)."""
    found: list[str] = []

    def on_console(message):
        if "Content Security Policy" in message.text:
            found.append(message.text)

    page.on("console", on_console)
    return found


def _fail_on_csp_violations(found: list[str]) -> None:
    if found:
        pytest.fail("the page broke its Content-Security-Policy:\n" + "\n".join(found), pytrace=False)


@pytest.fixture
def phone_page(browser):
    """A phone-sized page (360x740, touch) in a fresh browser context. The test fails if anything on
    the page is refused by the Content-Security-Policy (see docs/development.md)."""
    context = browser.new_context(
        viewport={"width": 360, "height": 740}, is_mobile=True, has_touch=True, locale="vi-VN"
    )
    page = context.new_page()
    page.set_default_timeout(30000)  # generous: CI and shared machines are loaded
    found = csp_violations(page)
    yield page
    context.close()
    _fail_on_csp_violations(found)


@pytest.fixture
def phone390_page(browser):
    """A 390x844 phone (the size issue 10 was walked through at), touch, in a fresh browser context.

    One device pixel per CSS pixel: a code that decodes from this screenshot decodes from a real
    phone's sharper screen too."""
    context = browser.new_context(
        viewport={"width": 390, "height": 844}, is_mobile=True, has_touch=True, locale="vi-VN"
    )
    page = context.new_page()
    page.set_default_timeout(30000)
    yield page
    context.close()


@pytest.fixture
def desk_page(browser):
    """A desktop-sized page for staff screens; fails the test on a CSP violation, as phone_page does."""
    context = browser.new_context(viewport={"width": 1280, "height": 900}, locale="vi-VN")
    page = context.new_page()
    page.set_default_timeout(30000)  # generous: CI and shared machines are loaded
    found = csp_violations(page)
    yield page
    context.close()
    _fail_on_csp_violations(found)


@pytest.fixture
def screenshot(request):
    """screenshot(page, "name") saves test-artifacts/<test>-<name>.png."""
    ARTIFACTS.mkdir(exist_ok=True)

    def take(page, name: str) -> Path:
        path = ARTIFACTS / f"{request.node.name}-{name}.png"
        page.screenshot(path=str(path), full_page=True)
        return path

    return take


@pytest.fixture
def browser_login():
    """browser_login(page, live_server, username, password) logs a staff user into a page, typing the
    current code of their authenticator app when the role needs a second factor (make_user gives one)."""

    def login(page, live_server, username: str, password: str) -> None:
        from epiqr.accounts.models import User
        from tests.factories import otp_code

        page.goto(f"{live_server.url}/accounts/login/")
        page.fill("input[name=username]", username)
        page.fill("input[name=password]", password)
        page.click("button.primary")
        page.wait_for_load_state()
        if "/accounts/login/code/" in page.url:
            page.fill("input[name=token]", otp_code(User.objects.get(username=username)))
            page.click("button.primary")
            page.wait_for_load_state()

    return login


@pytest.fixture(scope="module")
def demo_world(django_db_setup, django_db_blocker):
    """The demo world with staff of several roles and their API tokens (tests/world.py), built once for
    the module and rolled back after it."""
    from tests.world import world_for_module

    with world_for_module(django_db_blocker) as world:
        yield world


@pytest.fixture
def require_postgres(db):
    """Skips on SQLite: the test needs PostgreSQL itself (the PostgreSQL half of `make test` runs it)."""
    from django.db import connection

    if connection.vendor != "postgresql":
        pytest.skip("needs PostgreSQL (run through tools/with_postgres.py)")


def _postgres_tools():
    """tools/with_postgres.py as a module (it starts standbys and PgBouncer for the fixtures below)."""
    import importlib.util

    path = Path(__file__).resolve().parent.parent / "tools" / "with_postgres.py"
    spec = importlib.util.spec_from_file_location("epiqr_with_postgres", path)
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


def _cannot_start(what: str, exc: BaseException):
    """A server the PostgreSQL half needs could not start: a failure when PostgreSQL is required (CI),
    a visible skip otherwise."""
    message = f"{what} could not start: {exc}"
    if os.environ.get("EPIQR_REQUIRE_POSTGRES") == "1":
        pytest.fail(message, pytrace=False)
    pytest.skip(message)


def _primary_settings():
    from django.db import connections

    default = connections["default"]
    if default.vendor != "postgresql":
        pytest.skip("needs PostgreSQL (run through tools/with_postgres.py)")
    return default.settings_dict


@pytest.fixture(scope="session")
def pg_standby(django_db_setup, django_db_blocker):
    """A real streaming standby of the test cluster (pg_basebackup -R on loopback), started once per
    session and known to Django as the database alias "replica" (a test mirror of "default": it replays
    the test database). Routing to it is off until a test takes the `replica` fixture."""
    import copy

    from django.conf import settings
    from django.db import connections

    primary = _primary_settings()
    tools = _postgres_tools()
    try:
        standby = tools.standby_start(tools.find_bindir(), int(primary["PORT"]), host=primary["HOST"])
    except Exception as exc:  # noqa: BLE001 - reported as a failure or a skip
        _cannot_start("the streaming standby", exc)
    alias = copy.deepcopy(primary)
    alias.update(HOST="127.0.0.1", PORT=str(standby.port), CONN_MAX_AGE=0)
    alias["OPTIONS"] = {**alias.get("OPTIONS", {}), "connect_timeout": 2}
    alias["TEST"] = {**alias.get("TEST", {}), "MIRROR": "default"}
    settings.DATABASES["replica"] = alias  # the same dict as connections.settings
    try:
        yield standby
    finally:
        try:
            connections["replica"].close()
        except Exception:  # noqa: BLE001 - the standby may be stopped already
            pass
        del settings.DATABASES["replica"]
        del connections["replica"]
        standby.remove()


class ReplicaControl:
    """What a replica test does to its standby: wait until it has replayed everything, pause or resume
    replay, stop or start it. Every call asks the servers themselves, never the app's router."""

    def __init__(self, standby):
        self.standby = standby

    def _standby_sql(self, sql: str):
        import psycopg

        with psycopg.connect(
            host="127.0.0.1", port=self.standby.port, user="epiqr", dbname="postgres", autocommit=True
        ) as conn:
            return conn.execute(sql).fetchone()

    def caught_up(self, seconds: float = 20.0) -> None:
        """Wait until the standby has replayed the primary's current WAL position."""
        import time

        from django.db import connections

        with connections["default"].cursor() as cur:
            # Everything inserted so far, then a synchronous commit that flushes it (async commits and
            # idle-time records otherwise wait in the WAL buffers, unsent to the standby).
            cur.execute("SELECT pg_current_wal_insert_lsn()::text")
            target = cur.fetchone()[0]
            cur.execute("SET synchronous_commit = on")
            cur.execute("SELECT txid_current()")
            cur.execute("RESET synchronous_commit")
        deadline = time.monotonic() + seconds
        while not self._standby_sql(f"SELECT pg_last_wal_replay_lsn() >= '{target}'::pg_lsn")[0]:
            if time.monotonic() > deadline:
                raise AssertionError("the standby did not catch up with the primary")
            time.sleep(0.02)

    def pause(self) -> None:
        self._standby_sql("SELECT pg_wal_replay_pause()")

    def resume(self) -> None:
        self._standby_sql("SELECT pg_wal_replay_resume()")

    def stop(self) -> None:
        """Stopped as an outage would leave it, but restartable in a moment: a checkpoint on the primary,
        replayed, lets the standby's fast shutdown write a restartpoint there (stopped at once, it would
        replay every test's WAL since its last one when started again: 20-30 s in the full suite)."""
        from django.db import connections

        with connections["default"].cursor() as cur:
            cur.execute("CHECKPOINT")
        self.caught_up()
        connections["replica"].close()
        self.standby.stop(fast=True)

    def start(self) -> None:
        self.standby.start()

    def running(self) -> bool:
        try:
            self._standby_sql("SELECT 1")
        except Exception:  # noqa: BLE001 - any failure to connect means not running
            return False
        return True


@pytest.fixture
def replica(pg_standby, settings):
    """Routing to the session's standby on for this test (core.replica.ReplicaRouter, the lag measured
    at every declared read). Use with `@pytest.mark.django_db(transaction=True, databases=["default",
    "replica"])`: only committed rows reach a standby. The standby is running, replaying and caught up
    when the test starts, and again after it."""
    from django.db import connections

    from epiqr.core import replica as routing

    control = ReplicaControl(pg_standby)
    settings.DATABASE_ROUTERS = [routing.ROUTER]
    settings.EPIQR_REPLICA_CHECK_SECONDS = 0
    settings.EPIQR_REPLICA_MAX_LAG = 5
    routing.watch(connections["default"])
    routing.forget()
    routing.unit_of_work_start()
    control.caught_up()
    yield control
    routing.forget()
    routing.unit_of_work_start()
    connections["default"].execute_wrappers.remove(routing._watch)
    if not control.running():
        control.start()
    control.resume()
    connections["replica"].close()


@pytest.fixture(scope="session")
def pg_pooler(django_db_setup, django_db_blocker):
    """PgBouncer 1.18 in transaction pooling in front of the test cluster (loopback), started once per
    session; `through_pooler` sends a test's queries through it."""
    primary = _primary_settings()
    tools = _postgres_tools()
    try:
        pooler = tools.pooler_start(int(primary["PORT"]), mode="transaction", pool_size=4)
    except Exception as exc:  # noqa: BLE001 - reported as a failure or a skip
        _cannot_start("PgBouncer", exc)
    try:
        yield pooler
    finally:
        pooler.stop()


@pytest.fixture
def through_pooler(pg_pooler):
    """The test's default connection goes through PgBouncer in transaction mode, with the options
    EPIQR_PG_POOLER=transaction gives (settings.postgres_options). Use with transaction=True tests."""
    from django.db import connections

    from epiqr.settings import postgres_options

    conn = connections["default"]
    saved = {k: conn.settings_dict[k] for k in ("HOST", "PORT", "OPTIONS", "DISABLE_SERVER_SIDE_CURSORS")}
    conn.close()
    conn.settings_dict.update(
        HOST="127.0.0.1",
        PORT=str(pg_pooler.port),
        OPTIONS=postgres_options("transaction"),
        DISABLE_SERVER_SIDE_CURSORS=True,
    )
    try:
        yield pg_pooler
    finally:
        conn.close()
        conn.settings_dict.update(saved)
