"""Every SQL statement on the check-in table, in one place (docs/development.md: where SQL lives).

Each statement replaces an ORM path that took several round trips or one save per row, and each has
a parity test that runs on both databases. The table name comes from `CheckIn._meta.db_table`; the
isolation rule from `cases.selectors.case_active_exists_sql`, never spelled here.
"""

import functools
import uuid
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta

from django.db import connection

from epiqr.cases.selectors import case_active_exists_sql, case_active_sql
from epiqr.core.pgsql import (
    array_literal,
    copy_into,
    int_array_literal,
    time_array_literal,
)
from epiqr.core.timeutil import local, start_of_local_day
from epiqr.people.selectors import person_scan_columns, person_scan_match_sql

from .models import LIVE_METHODS, CheckIn, Method
from .rules import DUPLICATE_WINDOW, VISIT_NAMESPACE, _visit_slot, visit_key

INSERT_CHUNK = 500
_METHOD_WORDS = frozenset(Method.values)
COLUMN_LIST = ("venue_id", "person_id", "checked_in_at", "method", "client_id", "has_symptoms")
COLUMNS = ", ".join(COLUMN_LIST)


def _postgres() -> bool:
    return connection.vendor == "postgresql"


def _skip_known() -> str:
    """The clause that skips a row whose client id is stored. On PostgreSQL no conflict target: the day
    partitions' own unique indexes hold the key (with the receipts trigger for keys of any time,
    partitions.py), and a partitioned table has no index on the key alone to name."""
    return "ON CONFLICT DO NOTHING " if _postgres() else "ON CONFLICT (client_id) DO NOTHING "


_VISIT_PREFIX = f"{VISIT_NAMESPACE}|"


def visit_key_sql(*, venue_id: int, person_column: str, at: datetime) -> tuple[str, list]:
    """visit_key as a PostgreSQL expression on `person_column`."""
    sql = f"md5(%s || {person_column}::text || %s)::uuid"
    return sql, [f"{_VISIT_PREFIX}{venue_id}|", f"|{_visit_slot(at)}"]


def _not_isolated_sql() -> tuple[str, list]:
    """The cases rule (cases.selectors.case_active_exists_sql) as a condition of the visit insert on a
    person id parameter, so a live scan needs no separate round trip for it; the refusal is confirmed
    through case_person_ids_among when the insert does not happen."""
    sql, params = case_active_exists_sql(person_column="%s")
    return f"AND NOT {sql} ", params


def visit_insert(
    *,
    venue_id: int,
    person_id: int,
    method: str,
    at: datetime,
    has_symptoms: bool | None,
    unless_isolated: bool,
) -> int | None:
    """Insert one visit unless a visit of this person at this venue lies within DUPLICATE_WINDOW, unless
    its visit key was stored a moment ago by a concurrent scan and, with `unless_isolated`, unless the
    person has an active case. The new check-in's id, or None when nothing was stored.

    Replaces an existence query, an isolation query and an insert (three round trips) with one; tests:
    tests/checkins/test_scan_api.py (window, isolation), test_batch.py (concurrent scans: one visit)."""
    key = visit_key(venue_id=venue_id, person_id=person_id, at=at)
    f_time = CheckIn._meta.get_field("checked_in_at")
    f_client = CheckIn._meta.get_field("client_id")
    t = f_time.get_db_prep_save(at, connection)
    isolated_sql, isolated_params = _not_isolated_sql()
    sql = (
        f"INSERT INTO {CheckIn._meta.db_table} ({COLUMNS}) "
        "SELECT %s, %s, %s, %s, %s, %s WHERE NOT EXISTS ("
        f"SELECT 1 FROM {CheckIn._meta.db_table} "
        "WHERE person_id = %s AND venue_id = %s AND checked_in_at >= %s AND checked_in_at <= %s) "
        + (isolated_sql if unless_isolated else "")
        + _skip_known()
        + "RETURNING id"
    )
    params = [
        venue_id,
        person_id,
        t,
        method,
        f_client.get_db_prep_save(key, connection),
        has_symptoms,
        person_id,
        venue_id,
        f_time.get_db_prep_save(at - DUPLICATE_WINDOW, connection),
        f_time.get_db_prep_save(at + DUPLICATE_WINDOW, connection),
    ]
    if unless_isolated:
        params += [person_id, *isolated_params]
    with connection.cursor() as cur:
        cur.execute(sql, params)
        row = cur.fetchone()
    return None if row is None else row[0]


def _days_around(at: datetime) -> str:
    """The local days of the duplicate window around `at` as constant bounds of checked_in_at: a
    prepared statement's plan then names only those days' partitions (with parameters alone it names
    every partition, locked on each scan and pruned only when run). The text changes once a day."""
    return _days_around_minute(int(at.timestamp()) // 60)


@functools.lru_cache(maxsize=4)
def _days_around_minute(minute: int) -> str:
    # Local midnights fall on whole minutes and the window is whole minutes (tested), so every moment
    # of a minute has the days of the minute's start.
    start = datetime.fromtimestamp(minute * 60, tz=UTC)
    first = start_of_local_day(local(start - DUPLICATE_WINDOW).date())
    after = start_of_local_day(local(start + DUPLICATE_WINDOW).date() + timedelta(days=1))
    return f"c.checked_in_at >= '{first.isoformat()}' AND c.checked_in_at < '{after.isoformat()}'"


@functools.lru_cache(maxsize=64)
def _scan_statement(person_sql: str, method: str, key_sql: str, days_sql: str) -> str:
    """scan_insert's text around its parts: a handful of shapes (one per kind of card and blank, method and
    day), each composed once per process. The method and the isolation rule's status are constants of the
    code, written into the text (fewer parameters to bind on every scan)."""
    table = CheckIn._meta.db_table
    cols = ", ".join(f"p.{c}" for c in person_scan_columns())
    method = Method(method).value
    assert method.isalpha()
    isolated_sql = case_active_sql(person_column="(SELECT id FROM p)")
    return (
        f"WITH p AS ({person_sql}), ins AS ("
        f"INSERT INTO {table} ({COLUMNS}) "
        f"SELECT %s, p.id, %s, '{method}', {key_sql}, %s FROM p "
        f"WHERE NOT EXISTS (SELECT 1 FROM {table} c WHERE c.person_id = (SELECT id FROM p) AND c.venue_id = %s "
        f"AND {days_sql} AND c.checked_in_at >= %s AND c.checked_in_at <= %s) AND NOT {isolated_sql} "
        # The visit key taken a moment ago by a concurrent scan of the same card: its day partition's
        # unique index makes this scan wait for that one and then store nothing.
        f"ON CONFLICT DO NOTHING RETURNING id, client_id) "
        f"SELECT {cols}, ins.id, ins.client_id FROM p LEFT JOIN ins ON true"
    )


def scan_insert(*, venue_id: int, doc, method: str, at: datetime, has_symptoms: bool | None) -> tuple | None:
    """PostgreSQL: the person a known card names and its visit, in one statement (person by card,
    isolation, duplicate window, visit key, insert). The person's row (people.selectors.person_scan_columns)
    followed by the new check-in's id and client id (both None when nothing was stored), or None when
    the card needs the two-step path (unknown, new document, a blank to fill). `at` is aware
    (checkins.rules.checkin_time_check).

    Replaces person_from_scan plus visit_insert (two to four round trips); parity:
    tests/checkins/test_scan_one_statement.py."""
    match = person_scan_match_sql(doc=doc)
    if match is None:
        return None
    person_sql, person_params = match
    key_sql, key_params = visit_key_sql(venue_id=venue_id, person_column="p.id", at=at)
    # PostgreSQL only, so the times go to psycopg as they are (aware datetimes; the field's own
    # preparation is for SQLite's text and cost more than composing the rest of the statement).
    params = [
        *person_params,
        venue_id,
        at,
        *key_params,
        has_symptoms,
        venue_id,
        at - DUPLICATE_WINDOW,
        at + DUPLICATE_WINDOW,
    ]
    # The person as an init-plan value, not a join column: the window and isolation probes then search
    # their indexes by it (as a join column, the window probe read the venue's whole window).
    sql = _scan_statement(person_sql, method, key_sql, _days_around(at))
    with connection.cursor() as cur:
        cur.execute(sql, params)
        return cur.fetchone()


@dataclass
class Row:
    """One scan of a batch or an import, ready to store."""

    index: int
    client_id: uuid.UUID
    venue_id: int
    person_id: int
    at: datetime
    has_symptoms: bool | None
    method: str = Method.BATCH


def rows_insert(rows: list[Row]) -> dict[uuid.UUID, int]:
    """Store rows whose client id is new; returns {client id: check-in id} of the rows this call stored.

    PostgreSQL: the ids are drawn from the table's sequence first, then the rows go in with them by one
    binary COPY (an INSERT of unnested arrays cost a fifth more a row: the arrays parsed as text, the rows
    returned). The rows are a phone's or an import's (never models.LIVE_METHODS), so the receipts trigger
    skips the client ids stored before, a concurrent upload's included. Only when COPY stored fewer rows
    than it was given are the rows looked up, to tell which of them went in. SQLite: a multi-row VALUES
    list ON CONFLICT (client_id) DO NOTHING.
    """
    stored: dict[uuid.UUID, int] = {}
    if not rows:
        return stored
    table = CheckIn._meta.db_table
    if _postgres():
        methods = [str(r.method) for r in rows]
        kinds = set(methods)
        assert kinds <= _METHOD_WORDS and not kinds & LIVE_METHODS, kinds
        with connection.cursor() as cur:
            cur.execute(
                "SELECT nextval(%s::regclass) FROM generate_series(1, %s)", [_id_sequence(), len(rows)]
            )
            ids = [r[0] for r in cur.fetchall()]
            copy_into(
                cur,
                table,
                ("id", *COLUMN_LIST),
                (
                    (pk, r.venue_id, r.person_id, r.at, method, r.client_id, r.has_symptoms)
                    for pk, r, method in zip(ids, rows, methods, strict=True)
                ),
                types=("int8", "int8", "int8", "timestamptz", "text", "uuid", "bool"),
            )
            count = cur.cursor.rowcount
        if count == len(rows):
            return {r.client_id: pk for r, pk in zip(rows, ids, strict=True)}
        known = rows_stored([r.client_id for r in rows])
        return {
            r.client_id: pk
            for r, pk in zip(rows, ids, strict=True)
            if (known.get(r.client_id) or (None,))[0] == pk
        }
    f_time = CheckIn._meta.get_field("checked_in_at")
    f_client = CheckIn._meta.get_field("client_id")
    for start in range(0, len(rows), INSERT_CHUNK):
        chunk = rows[start : start + INSERT_CHUNK]
        params: list = []
        for r in chunk:
            params += [
                r.venue_id,
                r.person_id,
                f_time.get_db_prep_save(r.at, connection),
                r.method,
                f_client.get_db_prep_save(r.client_id, connection),
                r.has_symptoms,
            ]
        values = ",".join(["(%s,%s,%s,%s,%s,%s)"] * len(chunk))
        sql = (
            f"INSERT INTO {table} ({COLUMNS}) "
            f"VALUES {values} ON CONFLICT (client_id) DO NOTHING RETURNING client_id, id"
        )
        with connection.cursor() as cur:
            cur.execute(sql, params)
            for client_id, pk in cur.fetchall():
                stored[uuid.UUID(str(client_id))] = pk
    return stored


@functools.cache
def _id_sequence() -> str:
    """The name of the check-in id's sequence (an identity column's), looked up once per process."""
    with connection.cursor() as cur:
        cur.execute("SELECT pg_get_serial_sequence(%s, 'id')", [CheckIn._meta.db_table])
        return cur.fetchone()[0]


def rows_stored(client_ids: list) -> dict:
    """The stored check-ins with these client ids: {client id: (id, venue id, person id, time)}."""
    if not client_ids:
        return {}
    if _postgres():
        with connection.cursor() as cur:
            cur.execute(
                f"SELECT client_id, id, venue_id, person_id, checked_in_at FROM {CheckIn._meta.db_table} "
                "WHERE client_id = ANY(%s::uuid[])",
                [array_literal(client_ids)],
            )
            return {r[0]: r[1:] for r in cur.fetchall()}
    known: dict = {}
    for start in range(0, len(client_ids), 900):
        part = client_ids[start : start + 900]
        rows = CheckIn.objects.filter(client_id__in=part).values_list(
            "client_id", "pk", "venue_id", "person_id", "checked_in_at"
        )
        known.update({r[0]: r[1:] for r in rows})
    return known


def same_scan(stored: tuple | None, row: Row) -> bool:
    """Whether a stored row (id, venue, person, time) is the scan `row` describes."""
    return stored is not None and stored[1:] == (row.venue_id, row.person_id, row.at)


def visits_near(rows: list[Row]) -> dict[tuple[int, int], list[tuple]]:
    """Stored visits (time, client id, id) for the (venue, person) pairs of these rows, around their span."""
    if not rows:
        return {}
    lo = min(r.at for r in rows) - DUPLICATE_WINDOW
    hi = max(r.at for r in rows) + DUPLICATE_WINDOW
    found: dict[tuple[int, int], list[tuple]] = {}
    person_ids = sorted({r.person_id for r in rows})
    venue_ids = sorted({r.venue_id for r in rows})
    if _postgres():
        # Each row's own window, joined on its (venue, person): only visits that can matter come back (the
        # batch's whole span over all its people and venues returns many times more rows).
        with connection.cursor() as cur:
            cur.execute(
                f"SELECT DISTINCT c.venue_id, c.person_id, c.checked_in_at, c.client_id, c.id "
                f"FROM unnest(%s::bigint[], %s::bigint[], %s::timestamptz[]) AS w(venue_id, person_id, at) "
                # OFFSET 0 keeps the lateral subquery as is: one index probe per row (the planner, which
                # cannot estimate the unnest, otherwise may hash-join the whole table).
                f"CROSS JOIN LATERAL (SELECT * FROM {CheckIn._meta.db_table} c WHERE c.person_id = w.person_id "
                "AND c.venue_id = w.venue_id AND c.checked_in_at BETWEEN w.at - %s AND w.at + %s OFFSET 0) c",
                [
                    int_array_literal(r.venue_id for r in rows),
                    int_array_literal(r.person_id for r in rows),
                    time_array_literal(r.at for r in rows),
                    DUPLICATE_WINDOW,
                    DUPLICATE_WINDOW,
                ],
            )
            for venue_id, person_id, at, client_id, pk in cur.fetchall():
                found.setdefault((venue_id, person_id), []).append((at, client_id, pk))
        return found
    for start in range(0, len(person_ids), 900):
        qs = CheckIn.objects.filter(
            person_id__in=person_ids[start : start + 900],
            venue_id__in=venue_ids,
            checked_in_at__gte=lo,
            checked_in_at__lte=hi,
        ).values_list("venue_id", "person_id", "checked_in_at", "client_id", "pk")
        for venue_id, person_id, at, client_id, pk in qs:
            found.setdefault((venue_id, person_id), []).append((at, client_id, pk))
    return found


def rows_copy(fresh: list[tuple]) -> tuple[int, list[str]]:
    """PostgreSQL: store the rows not stored before, with COPY: (how many were new, the client ids
    stored before for another check-in). Each row's client id appears once in `fresh`.

    The receipts trigger skips a row whose client id is stored (a re-import, an overlapping file, a
    concurrent import); only when COPY stored fewer rows than it was given are those rows looked up,
    to tell a repeat of the same scan from a client id reused for another one.
    """
    table = CheckIn._meta.db_table
    method = Method.IMPORT.value

    def values():
        return ((v, p, at, method, client_id, symptoms) for _line, client_id, v, p, at, symptoms in fresh)

    with connection.cursor() as cur:
        copy_into(cur, table, COLUMN_LIST, values())
        stored = cur.cursor.rowcount
    if stored == len(fresh):
        return stored, []
    known = {str(k): v for k, v in rows_stored([r[1] for r in fresh]).items()}
    taken = [
        client_id
        for _line, client_id, v, p, at, _symptoms in fresh
        if client_id in known and known[client_id][1:] != (v, p, at)
    ]
    return stored, taken
