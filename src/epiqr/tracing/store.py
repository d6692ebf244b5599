"""The check-in stores the engine searches (engine.VisitStore): the database one and the memory one.

The check-in table is read with set queries over its two indexes, (person, checked_in_at) and
(venue, checked_in_at, person): one statement per degree gives the index persons' visits (the periods
as array parameters on PostgreSQL, a VALUES list on SQLite) and every check-in around each of them at the
same venue, never a loop over check-ins. Table names come from the models (`_meta.db_table`) and "under
isolation now" from cases.selectors. Inside `core.replica.replica_ok()` (triage, exports) the statements may
run on the read replica (`read_connection()`). `MemoryStore` is the definition the database store is tested
against (tests/tracing/test_store.py).
"""

from collections import defaultdict
from collections.abc import Callable, Iterable, Iterator, Sequence
from contextlib import contextmanager
from datetime import UTC, datetime, timedelta
from functools import cache
from typing import TypeVar

import numpy as np
import psycopg
from django.db import connection, transaction

from epiqr.cases.selectors import case_active_sql, case_person_ids_among
from epiqr.checkins.models import CheckIn
from epiqr.core.pgsql import EPOCH, PG_EPOCH_MICROS, array_literal, int_array_literal
from epiqr.core.replica import read_connection
from epiqr.venues.models import Venue
from epiqr.venues.selectors import venue_sectors

from . import batch, engine
from .engine import Period, Visit, Window

T = TypeVar("T")

CHUNK = 4000  # periods per statement: well under SQLite's parameter limit
# A batch's read on PostgreSQL goes in up to PARTS statements of at least PART_MIN periods, sent together
# (pairs_around_each): the rules of one part then run while the server reads the next.
PARTS = 4
PART_MIN = 250
HASHED_CASES_FROM = 100  # periods in one batch read from which "is a case" reads all active cases once
COLUMNS = "c.id, c.person_id, c.venue_id, c.checked_in_at, c.checked_out_at"
PG_MINUS_INFINITY = np.iinfo(np.int64).min


def _dt(value) -> datetime | None:
    if value is None:
        return None
    if isinstance(value, int):
        return EPOCH + timedelta(microseconds=value)
    if isinstance(value, str):
        value = datetime.fromisoformat(value)
    return value.replace(tzinfo=UTC) if value.tzinfo is None else value


# set_config(..., true) is SET LOCAL as a SELECT: core.replica counts any other statement on the primary
# as a write (read-your-writes would then keep reads off the replica).
READ_SETTINGS_SQL = (
    "SELECT set_config('jit', 'off', true), set_config('plan_cache_mode', 'force_generic_plan', true)"
)


@contextmanager
def _reading() -> Iterator:
    """A cursor for tracing's set queries (on the read replica when allowed). On PostgreSQL inside a
    transaction whose own settings (SET LOCAL: a pooled connection keeps its settings) are
    READ_SETTINGS_SQL:
    - JIT compilation off: the planner's row estimates for these index range scans cross jit_above_cost
      and compiling then costs tens of milliseconds, more than the statement itself for most F0s;
    - generic plans for prepared statements: the check-in table's partitions are pruned per index visit
      at execution either way (the bounds come from the joined rows), but the planner's default keeps
      re-planning these statements over every partition, which cost one F0 two to four times the
      statement's execution (1.2-3.8 ms against 0.3-0.9 ms at 60 day partitions)."""
    conn = read_connection()
    with transaction.atomic(using=conn.alias, savepoint=False), conn.cursor() as cur:
        if conn.vendor == "postgresql":
            cur.execute(READ_SETTINGS_SQL)
        yield cur


def _param(dt: datetime):
    return connection.ops.adapt_datetimefield_value(dt)


def _times(alias: str) -> str:
    """The two times of a check-in row; on PostgreSQL as integer microseconds since the epoch, which
    Python turns into datetimes several times faster than it parses timestamps."""
    if connection.vendor == "postgresql":
        return (
            f"(extract(epoch from {alias}.checked_in_at) * 1000000)::bigint, "
            f"(extract(epoch from {alias}.checked_out_at) * 1000000)::bigint"
        )
    return f"{alias}.checked_in_at, {alias}.checked_out_at"


def _row_micros(row) -> tuple[int, ...]:
    """A pair row from SQLite (times as text) with its times as microseconds (batch.NO_END for none)."""
    return (
        row[0], row[1], batch.micros(_dt(row[2])), batch.micros(_dt(row[3])), row[4],
        row[5], row[6], batch.micros(_dt(row[7])), batch.micros(_dt(row[8])), int(row[9]),
    )  # fmt: skip


def _binary_row(conn, sql: str, params: list) -> tuple:
    """The one row a query returns on a Django connection `conn`, its fields in PostgreSQL's binary form (a
    bytea as its bytes, not as hex text). Straight on the driver's connection, with server-side binding
    whatever the connection's cursor factory: a constant statement is then prepared and planned once per
    connection (unless behind a transaction pooler, where preparing is off), which a COPY of the same
    query never is; and no Django cursor is wrapped around it (a tenth of one F0's read)."""
    conn.close_if_health_check_failed()
    conn.ensure_connection()
    with conn.wrap_database_errors, psycopg.Cursor(conn.connection) as raw:
        raw.execute(sql, params, binary=True)
        return raw.fetchone()


def _send(expression: str, kind: str = "int8") -> str:
    """An eight-byte column as its big-endian binary form (PostgreSQL's send function); a missing
    timestamp as '-infinity', the lowest eight-byte integer."""
    if kind == "timestamptz":
        return f"timestamptz_send(coalesce({expression}, '-infinity'))"
    return f"int8send({expression})"


@cache
def _packed_pairs_sql(before: timedelta, after: timedelta, *, many: bool, one: bool = False) -> str:
    """PostgreSQL, one row of two bytea fields and a JSON object: the index visits `f` (person, check-in,
    in, out, venue; numbered from 0) and the pairs (number of the index visit, person, check-in, in, out,
    is a case), each row eight bytes a column, concatenated by string_agg; then the sector of each venue
    visited (every pair is at its index visit's venue). One message instead of one per pair: reading a
    row of the protocol costs the client microseconds, which was half of a batch's read.

    The periods are `{values}` (a query `w(k, lo, hi)`, see _values), or with `one` the three parameters
    of ONE_PERIOD."""
    # "Is a case": for a few F0s one index probe per check-in met; for many one hashed read of the active
    # cases (about 0.1 s at 365,000 cases), cheaper than 150,000 probes but far dearer than a few hundred.
    is_case = f"({case_active_sql(person_column='c.person_id', form='in' if many else 'exists')})::int"
    visit = " || ".join(
        [_send("f.person_id"), _send("f.id"), _send("f.checked_in_at", "timestamptz")]
        + [_send("f.checked_out_at", "timestamptz"), _send("f.venue_id")]
    )
    pair = " || ".join(
        [_send("f.i"), _send("c.person_id"), _send("c.id"), _send("c.checked_in_at", "timestamptz")]
        + [_send("c.checked_out_at", "timestamptz"), _send(is_case)]
    )
    if one:
        head, visits = "WITH ", f"FROM {CheckIn._meta.db_table} c WHERE {ONE_PERIOD}"
    else:
        head = "WITH w(k, lo, hi) AS MATERIALIZED ({values}), "
        visits = f"FROM w {_in_windows_sql('person_id')}"
    return (
        f"{head}f AS MATERIALIZED (SELECT row_number() OVER () - 1 AS i, {COLUMNS} {visits}) "
        f"SELECT (SELECT string_agg({visit}, ''::bytea ORDER BY f.i) FROM f), "
        f"(SELECT string_agg({pair}, ''::bytea) FROM f {_around_join(before, after)}), "
        f"(SELECT json_object_agg(v.id, v.sector) FROM {Venue._meta.db_table} v "
        "WHERE v.id IN (SELECT f.venue_id FROM f))"
    )


# One F0's period: its person and bounds as three parameters, the bounds as STABLE expressions (adding
# an interval to a timestamptz is stable, not immutable). The planner prunes the day partitions only with
# immutable values, so the custom plans cost what the generic plan costs and PostgreSQL settles on the
# generic plan after five executions (plan_cache_mode auto) without a SET, so without a transaction; the
# executor then prunes the partitions with them as it starts, before it opens any. (Bounds drawn from a
# CTE, as before, pruned only as the rows came: every partition's index was opened first, 0.1 ms of one
# F0's 0.8 ms at 30 day partitions.) The estimated cost stays far below jit_above_cost.
ONE_PERIOD = (
    "c.person_id = %s AND c.checked_in_at >= (%s::timestamptz + interval '0 seconds') "
    "AND c.checked_in_at <= (%s::timestamptz + interval '0 seconds')"
)


def _one_period_sql(before: timedelta, after: timedelta) -> str:
    return _packed_pairs_sql(before, after, many=False, one=True)


def _from_pg_times(t: np.ndarray) -> np.ndarray:
    """PostgreSQL's binary timestamps (microseconds since 2000, '-infinity' the lowest integer) as
    microseconds since the Unix epoch, batch.NO_END for none."""
    return np.where(t == PG_MINUS_INFINITY, batch.NO_END, t + PG_EPOCH_MICROS)


def _native(column: np.ndarray) -> np.ndarray:
    """A column of big-endian integers (a strided view of a packed field) as a contiguous native copy."""
    return column.astype(np.int64)


def _unpack_pairs(visits_raw: bytes | None, pairs_raw: bytes | None) -> list[np.ndarray]:
    """The two packed fields of _packed_pairs_sql as the batch.PAIR_COLUMNS columns, each made once,
    contiguous and native (a table made first and split afterwards copied an F2's pairs twice)."""
    if not visits_raw or not pairs_raw:
        return [np.zeros(0, dtype=np.int64) for _ in batch.PAIR_COLUMNS]
    visits = np.frombuffer(visits_raw, dtype=">i8").reshape(-1, 5)
    pairs = np.frombuffer(pairs_raw, dtype=">i8").reshape(-1, 6)
    source = pairs[:, 0].astype(np.intp)
    return [
        _native(visits[:, 0])[source],
        _native(visits[:, 1])[source],
        _from_pg_times(_native(visits[:, 2]))[source],
        _from_pg_times(_native(visits[:, 3]))[source],
        _native(visits[:, 4])[source],
        _native(pairs[:, 1]),
        _native(pairs[:, 2]),
        _from_pg_times(_native(pairs[:, 3])),
        _from_pg_times(_native(pairs[:, 4])),
        _native(pairs[:, 5]),
    ]


def _pairs_statement(
    rows: Sequence[tuple[int, datetime, datetime]], before: timedelta, after: timedelta
) -> tuple[str, list]:
    """PostgreSQL: the packed pairs statement for several periods (key, lo, hi), with its parameters."""
    values, params = _values(rows)
    return _packed_pairs_sql(before, after, many=len(rows) >= HASHED_CASES_FROM).format(values=values), params


def _sectors(venues: dict | None) -> dict[int, str]:
    """The venues' sectors of a packed pairs row (its JSON keys are text)."""
    return {int(k): v for k, v in (venues or {}).items()}


def _values(rows: Sequence[tuple[int, datetime, datetime]]) -> tuple[str, list]:
    """The rows (key, lo, hi) as a query `w(k, lo, hi)`: on PostgreSQL three array parameters, so the
    statement text stays the same whatever the number of rows (psycopg parses a long list of
    placeholders in Python, and a constant text is prepared once); elsewhere a VALUES list."""
    if connection.vendor == "postgresql":
        keys, los, his = zip(*rows, strict=True) if rows else ((), (), ())
        sql = "SELECT * FROM unnest(%s::bigint[], %s::timestamptz[], %s::timestamptz[])"
        return sql, [int_array_literal(keys), array_literal(los), array_literal(his)]
    params: list = []
    for key, lo, hi in rows:
        params += [key, _param(lo), _param(hi)]
    return "VALUES " + ", ".join(["(%s, %s, %s)"] * len(rows)), params


def _in_windows_sql(column: str) -> str:
    """Check-ins whose `column` equals w.k with a check-in time in [w.lo, w.hi], for each row w.

    On PostgreSQL a LATERAL subquery makes each row one range scan of the (column, checked_in_at)
    index; a plain join lets the planner pick the single-column foreign-key index and filter.
    """
    if connection.vendor == "postgresql":
        return (
            f"CROSS JOIN LATERAL (SELECT {COLUMNS} FROM {CheckIn._meta.db_table} c WHERE c.{column} = w.k "
            "AND c.checked_in_at >= w.lo AND c.checked_in_at <= w.hi) c"
        )
    return (
        f"JOIN {CheckIn._meta.db_table} c ON c.{column} = w.k "
        "AND c.checked_in_at >= w.lo AND c.checked_in_at <= w.hi"
    )


def _rows_to_visits(rows) -> list[engine.Visit]:
    return [engine.Visit(r[0], r[1], r[2], _dt(r[3]), _dt(r[4]), r[5]) for r in rows]  # type: ignore[arg-type]


def _visits(rows: Sequence[tuple[int, datetime, datetime]], column: str) -> list[engine.Visit]:
    out: list[engine.Visit] = []
    with _reading() as cur:
        for i in range(0, len(rows), CHUNK):
            values, params = _values(rows[i : i + CHUNK])
            cur.execute(
                f"WITH w(k, lo, hi) AS ({values}) SELECT c.id, c.person_id, c.venue_id, {_times('c')}, "
                f"v.sector FROM w {_in_windows_sql(column)} "
                f"JOIN {Venue._meta.db_table} v ON v.id = c.venue_id",
                params,
            )
            out += _rows_to_visits(cur.fetchall())
    return out


def _around_join(before: timedelta, after: timedelta) -> str:
    """Join each index visit `f` to the check-ins `c` at its venue from `before` ahead of its check-in
    time to `after` behind it."""
    # One second of slack each way: SQLite's datetime() drops fractions of a second.
    b, a = int(before.total_seconds()) + 1, int(after.total_seconds()) + 1
    if connection.vendor == "postgresql":
        return (
            f"CROSS JOIN LATERAL (SELECT {COLUMNS} FROM {CheckIn._meta.db_table} c WHERE c.venue_id = f.venue_id "
            f"AND c.checked_in_at >= f.checked_in_at - interval '{b} seconds' "
            f"AND c.checked_in_at <= f.checked_in_at + interval '{a} seconds') c"
        )
    return (
        f"JOIN {CheckIn._meta.db_table} c ON c.venue_id = f.venue_id "
        f"AND c.checked_in_at >= datetime(f.checked_in_at, '-{b} seconds') "
        f"AND c.checked_in_at <= datetime(f.checked_in_at, '+{a} seconds')"
    )


def _index_visits_sql() -> str:
    """`f`: the visits of each period's person inside the period (the periods are `w`, see _values)."""
    return f"WITH w(k, lo, hi) AS ({{values}}), f AS (SELECT {COLUMNS} FROM w {_in_windows_sql('person_id')})"


def _around_sql(before: timedelta, after: timedelta) -> str:
    """The index persons' visits (kind 0) and the check-ins around each of them (kind 1), one query."""
    return (
        _index_visits_sql() + ", "
        "x AS (SELECT 0 AS kind, f.* FROM f UNION ALL "
        f"SELECT 1 AS kind, {COLUMNS} FROM f {_around_join(before, after)}) "
        # Scalar subqueries: per-row primary-key / index lookups, where a join may scan all venues.
        f"SELECT x.id, x.person_id, x.venue_id, {_times('x')}, "
        f"(SELECT v.sector FROM {Venue._meta.db_table} v WHERE v.id = x.venue_id), x.kind, "
        f"{case_active_sql(person_column='x.person_id')} FROM x"
    )


def _sqlite_pairs_sql(before: timedelta, after: timedelta) -> str:
    """SQLite: the pairs as rows of batch.PAIR_COLUMNS (times as text, parsed by _row_micros)."""
    is_case = case_active_sql(person_column="c.person_id")
    times = "{0}.checked_in_at, {0}.checked_out_at"
    return (
        _index_visits_sql() + f" SELECT f.person_id, f.id, {times.format('f')}, f.venue_id, "
        f"c.person_id, c.id, {times.format('c')}, {is_case} FROM f {_around_join(before, after)}"
    )


def _sqlite_pairs(
    rows: Sequence[tuple[int, datetime, datetime]], before: timedelta, after: timedelta
) -> tuple[batch.Pairs, dict[int, str]]:
    """CheckinStore.pairs_around on SQLite: rows of times as text, CHUNK periods a statement."""
    table = []
    with _reading() as cur:
        for i in range(0, len(rows), CHUNK):
            values, params = _values(rows[i : i + CHUNK])
            cur.execute(_sqlite_pairs_sql(before, after).format(values=values), params)
            table += [_row_micros(r) for r in cur.fetchall()]
    pairs = batch.Pairs.from_rows(table)
    return pairs, venue_sectors(venue_ids=np.unique(pairs.venue).tolist())


class CheckinStore:
    """The engine's VisitStore over the check-in table.

    visits_around() also learns which of the people it returns are active cases, so that the engine's
    following cases_among() needs no query of its own.
    """

    def __init__(self) -> None:
        self.known: dict[int, bool] = {}

    def visits_of(self, periods: Sequence[engine.Period]) -> list[engine.Visit]:
        return _visits([(p.person_id, p.start, p.end) for p in periods], "person_id") if periods else []

    def visits_in(self, windows: Sequence[engine.Window]) -> list[engine.Visit]:
        return _visits([(w.venue_id, w.lo, w.hi) for w in windows], "venue_id") if windows else []

    def visits_around(
        self, periods: Sequence[engine.Period], before: timedelta, after: timedelta
    ) -> tuple[list[engine.Visit], list[engine.Visit]]:
        index: dict[int, engine.Visit] = {}
        around: dict[int, engine.Visit] = {}
        rows = [(p.person_id, p.start, p.end) for p in periods]
        template = _around_sql(before, after)
        with _reading() as cur:
            for i in range(0, len(rows), CHUNK):
                values, params = _values(rows[i : i + CHUNK])
                cur.execute(template.format(values=values), params)
                for r in cur.fetchall():
                    (around if r[6] else index)[r[0]] = engine.Visit(
                        r[0], r[1], r[2], _dt(r[3]), _dt(r[4]), r[5]
                    )
                    self.known[r[1]] = bool(r[7])
        return list(index.values()), list(around.values())

    def pairs_around(
        self, periods: Sequence[engine.Period], before: timedelta, after: timedelta
    ) -> tuple[batch.Pairs, dict[int, str]]:
        """For batches: each index visit paired with every check-in around it at its venue, as columns
        (batch.PAIR_COLUMNS), and the sector of each venue met. On PostgreSQL the statement returns one
        row: the index visits and the pairs each packed into one bytea of fixed-width binary integers
        (see _packed_pairs_sql), read straight into numpy, never as Python objects."""
        if not periods:
            return batch.Pairs.from_rows([]), {}
        rows = [(p.person_id, p.start, p.end) for p in periods]
        if connection.vendor != "postgresql":
            return _sqlite_pairs(rows, before, after)
        if len(rows) == 1:
            # One F0 (a run, a preview), the most frequent read: no transaction nor settings (see
            # ONE_PERIOD), its three round trips were a third of the service's time.
            found = [_binary_row(read_connection(), _one_period_sql(before, after), list(rows[0]))]
        else:
            with _reading() as cur:
                found = [
                    _binary_row(cur.db, *_pairs_statement(rows[i : i + CHUNK], before, after))
                    for i in range(0, len(rows), CHUNK)
                ]
        parts = [_unpack_pairs(visits, pairs) for visits, pairs, _ in found]
        columns = parts[0] if len(parts) == 1 else [np.concatenate(c) for c in zip(*parts, strict=True)]
        sectors = {k: v for _, _, venues in found for k, v in _sectors(venues).items()}
        return batch.Pairs.from_columns(columns), sectors

    def pairs_around_each(
        self,
        periods: Sequence[engine.Period],
        before: timedelta,
        after: timedelta,
        use: Callable[[batch.Pairs, dict[int, str], Sequence[engine.Period]], T],
    ) -> list[T]:
        """pairs_around() in parts, by ascending person id, each part's pairs, sectors and periods handed to
        `use` as soon as they arrive; what `use` returned, in that order. On PostgreSQL the parts'
        statements are sent together (pipeline mode), so `use` works on one part while the server reads
        the next: a batch of a thousand F0s then waits for the read plus a part's rules, not for the read
        plus all its rules. `use` may run only Python (a statement would wait behind the pending ones)."""
        ordered = sorted(periods, key=lambda p: p.person_id)
        size = min(CHUNK, max(PART_MIN, -(-len(ordered) // PARTS)))
        parts = [ordered[i : i + size] for i in range(0, len(ordered), size)]
        if len(parts) < 2 or connection.vendor != "postgresql":
            return [use(*self.pairs_around(part, before, after), part) for part in parts or [ordered]]
        with _reading() as cur:
            conn = cur.cursor.connection
            with conn.pipeline():
                sent = []
                for part in parts:
                    raw = psycopg.Cursor(conn)  # server-side binding, as _binary_row
                    rows = [(p.person_id, p.start, p.end) for p in part]
                    raw.execute(*_pairs_statement(rows, before, after), binary=True)
                    sent.append(raw)
                found = []
                for part, raw in zip(parts, sent, strict=True):
                    with raw:
                        visits, pairs, venues = raw.fetchone()
                    pairs_found = batch.Pairs.from_columns(_unpack_pairs(visits, pairs))
                    found.append(use(pairs_found, _sectors(venues), part))
        return found

    def cases_among(self, person_ids: set[int]) -> set[int]:
        unknown = {p for p in person_ids if p not in self.known}
        found = case_person_ids_among(person_ids=unknown) if unknown else set()
        return found | {p for p in person_ids if self.known.get(p)}


def checkins_of_person(*, person_id: int, since: datetime) -> list[engine.Visit]:
    """A person's own visits since a moment (citizen self-check), newest first."""
    visits = CheckinStore().visits_of([engine.Period(person_id, since, datetime.max.replace(tzinfo=UTC))])
    return sorted(visits, key=lambda v: v.start, reverse=True)


class MemoryStore:
    """A VisitStore over a list of visits (tests, the demo, small imports)."""

    def __init__(self, visits: Iterable[Visit], *, cases: Iterable[int] = ()):
        self.visits = list(visits)
        self.cases = set(cases)

    def cases_among(self, person_ids: set[int]) -> set[int]:
        return person_ids & self.cases

    def visits_of(self, periods: Sequence[Period]) -> list[Visit]:
        wanted: dict[int, list[Period]] = defaultdict(list)
        for p in periods:
            wanted[p.person_id].append(p)
        return [
            v for v in self.visits if any(p.start <= v.start <= p.end for p in wanted.get(v.person_id, ()))
        ]

    def visits_around(
        self, periods: Sequence[Period], before: timedelta, after: timedelta
    ) -> tuple[list[Visit], list[Visit]]:
        found = self.visits_of(periods)
        return found, self.visits_in([Window(v.venue_id, v.start - before, v.start + after) for v in found])

    def pairs_around(self, periods: Sequence[Period], before: timedelta, after: timedelta):
        """The batch path's read (see batch.trace_pairs and CheckinStore.pairs_around)."""
        return batch.pairs_of(
            self.visits_of(periods), self.visits, before=before, after=after, cases=self.cases
        )

    def visits_in(self, windows: Sequence[Window]) -> list[Visit]:
        by_venue: dict[int, list[Window]] = defaultdict(list)
        for w in windows:
            by_venue[w.venue_id].append(w)
        return [v for v in self.visits if any(w.lo <= v.start <= w.hi for w in by_venue.get(v.venue_id, ()))]
