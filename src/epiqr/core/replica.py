"""Heavy reads may go to a streaming replica; everything else stays on the primary.

Nothing changes unless a replica is configured (`EPIQR_REPLICA_URL`: the database alias "replica" and
`ReplicaRouter` in DATABASE_ROUTERS, see settings). Then the rules are:

- Every write goes to the primary ("default"), and so does every read unless it is declared: code that
  reads a lot and can live with data a few seconds old (dashboards, triage, tracing lists, exports)
  runs inside `replica_ok()` (a context manager and a decorator). Pages that show what the user just did
  never declare it.
- Inside a transaction (an atomic block on the primary) everything stays on the primary.
- Read your own write: after a write in the current request or job (an ORM write through the router, a
  raw statement other than SELECT on the primary, a COPY through core.pgsql), its reads stay on the
  primary until the request or job ends, declared or not.
- A replica further behind than `EPIQR_REPLICA_MAX_LAG` seconds, or that cannot be reached, is not used:
  the read goes to the primary. The lag is measured on the replica (zero when it has replayed all it has
  received and is streaming, else the time since the last transaction it replayed) and kept
  `EPIQR_REPLICA_CHECK_SECONDS` per process, so a burst of requests costs one measurement.

Raw SQL that is a heavy read takes its connection from `read_connection()` instead of
`django.db.connection` (tracing's check-in store does).
"""

from __future__ import annotations

import logging
import threading
import time
from contextlib import ContextDecorator
from contextvars import ContextVar
from dataclasses import dataclass

from django.conf import settings
from django.db import DEFAULT_DB_ALIAS, DatabaseError, connections
from django.db.backends.base.base import BaseDatabaseWrapper

REPLICA = "replica"
log = logging.getLogger("epiqr.replica")

# How many replica_ok() blocks enclose the running code (0: none), and whether the current request or job
# has written to the primary (its reads then stay there).
_declared: ContextVar[int] = ContextVar("epiqr_replica_declared", default=0)
_own_writes_ignored: ContextVar[int] = ContextVar("epiqr_replica_own_writes_ignored", default=0)
_wrote: ContextVar[bool] = ContextVar("epiqr_replica_wrote", default=False)


ROUTER = "epiqr.core.replica.ReplicaRouter"


def configured() -> bool:
    """A replica is configured: the "replica" database alias exists and the router is installed."""
    return REPLICA in settings.DATABASES and ROUTER in settings.DATABASE_ROUTERS


class replica_ok(ContextDecorator):  # noqa: N801 - used like a function: `with replica_ok():`, `@replica_ok()`
    """Declare a heavy read that may be served by the replica (data up to EPIQR_REPLICA_MAX_LAG seconds
    old is fine). `own_writes=False` says the read does not depend on anything the current request or job
    wrote (a job's progress rows): the replica is used even after a write."""

    def __init__(self, *, own_writes: bool = True) -> None:
        self.own_writes = own_writes

    # Counters rather than tokens: a block may be entered and left inside a generator that streams a
    # response, where a token's context is not guaranteed.
    def __enter__(self) -> replica_ok:
        _declared.set(_declared.get() + 1)
        if not self.own_writes:
            _own_writes_ignored.set(_own_writes_ignored.get() + 1)
        return self

    def __exit__(self, *exc) -> None:
        if not self.own_writes:
            _own_writes_ignored.set(max(0, _own_writes_ignored.get() - 1))
        _declared.set(max(0, _declared.get() - 1))


def note_write() -> None:
    """The current request or job wrote to the primary: its reads stay there until it ends."""
    if not _wrote.get():
        _wrote.set(True)


def unit_of_work_start(**kwargs) -> None:
    """A request or a job begins (connected to request_started/finished): nothing written yet, and no
    declaration left over from a streamed response that was never closed."""
    if _wrote.get():
        _wrote.set(False)
    if _declared.get():
        _declared.set(0)
        _own_writes_ignored.set(0)


@dataclass
class Health:
    """The replica's last measurement: usable or not, why, and when it was taken (monotonic seconds)."""

    usable: bool
    lag: float | None
    reason: str
    at: float


_health: Health | None = None
_health_lock = threading.Lock()

LAG_SQL = """
SELECT CASE
  WHEN NOT pg_is_in_recovery() THEN 0
  WHEN pg_last_wal_receive_lsn() IS NOT DISTINCT FROM pg_last_wal_replay_lsn()
       AND EXISTS (SELECT 1 FROM pg_stat_wal_receiver WHERE status = 'streaming') THEN 0
  ELSE coalesce(extract(epoch FROM clock_timestamp() - pg_last_xact_replay_timestamp()), 1e9)
END
"""


def measure() -> Health:
    """Ask the replica how far behind it is (one query); a replica that cannot answer is not usable."""
    started = time.monotonic()
    max_lag = float(settings.EPIQR_REPLICA_MAX_LAG)
    conn = connections[REPLICA]
    try:
        with conn.cursor() as cur:
            cur.execute(LAG_SQL)
            lag = float(cur.fetchone()[0])
    except DatabaseError as exc:
        log.warning("replica unreachable, reads go to the primary: %s", str(exc).strip().splitlines()[0:1])
        try:
            conn.close()
        except DatabaseError:
            pass
        return Health(False, None, "unreachable", started)
    if lag > max_lag:
        return Health(False, lag, "lagging", started)
    return Health(True, lag, "ok", started)


def health() -> Health:
    """The replica's state, measured again when the last measurement is older than
    EPIQR_REPLICA_CHECK_SECONDS."""
    global _health
    keep = float(settings.EPIQR_REPLICA_CHECK_SECONDS)
    known = _health
    if known is not None and time.monotonic() - known.at < keep:
        return known
    with _health_lock:
        known = _health
        if known is not None and time.monotonic() - known.at < keep:
            return known
        _health = measure()
        return _health


def forget() -> None:
    """Drop the cached measurement (tests; an operator's check)."""
    global _health
    _health = None


def replica_failed() -> None:
    """A query on the replica failed: stop using it until it is measured again."""
    global _health
    _health = Health(False, None, "failed", time.monotonic())


def read_alias() -> str:
    """The database alias a read made now goes to (see the module's rules)."""
    if not _declared.get() or not configured():
        return DEFAULT_DB_ALIAS
    if connections[DEFAULT_DB_ALIAS].in_atomic_block:
        return DEFAULT_DB_ALIAS
    if _wrote.get() and not _own_writes_ignored.get():
        return DEFAULT_DB_ALIAS
    return REPLICA if health().usable else DEFAULT_DB_ALIAS


def read_connection() -> BaseDatabaseWrapper:
    """The connection for a raw-SQL heavy read (replica or primary by the rules above)."""
    return connections[read_alias()]


def _watch(execute, sql, params, many, context):
    """An execute wrapper on the primary: a statement other than a SELECT marks a write."""
    head = sql.lstrip()[:6].upper() if isinstance(sql, str) else ""
    if head not in ("SELECT", "SHOW"):
        note_write()
    return execute(sql, params, many, context)


def _guard(execute, sql, params, many, context):
    """An execute wrapper on the replica: a failure stops its use until the next measurement."""
    try:
        return execute(sql, params, many, context)
    except DatabaseError:
        replica_failed()
        raise


def watch(conn: BaseDatabaseWrapper) -> None:
    """Install the write watcher on the primary's connection wrapper, or the failure guard on the
    replica's (once; the list outlives reconnections)."""
    wrapper = _guard if conn.alias == REPLICA else _watch
    if wrapper not in conn.execute_wrappers:
        conn.execute_wrappers.append(wrapper)


def on_connection_created(sender, connection, **kwargs) -> None:
    if configured() and connection.alias in (DEFAULT_DB_ALIAS, REPLICA):
        watch(connection)


class ReplicaRouter:
    """DATABASE_ROUTERS entry: declared reads to the replica when the rules allow, everything else to the
    primary (explicitly, so that a row read from the replica is saved and followed on the primary)."""

    def db_for_read(self, model, **hints) -> str | None:
        if not configured():
            return None
        return read_alias()

    def db_for_write(self, model, **hints) -> str | None:
        if not configured():
            return None
        note_write()
        return DEFAULT_DB_ALIAS

    def allow_relation(self, obj1, obj2, **hints) -> bool | None:
        both = {obj1._state.db, obj2._state.db}
        return True if both <= {DEFAULT_DB_ALIAS, REPLICA, None} else None

    def allow_migrate(self, db, app_label, model_name=None, **hints) -> bool | None:
        return False if db == REPLICA else None
