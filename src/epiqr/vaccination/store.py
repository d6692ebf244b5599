"""The station's dose insert as SQL (docs/development.md: where SQL lives).

A station dose is a scan, the schedule check and an insert. `dose_checked_insert` does the schedule check
and the insert in one statement, and `station_scan_insert` (PostgreSQL) adds the person found by the
scanned card to it, as `checkins.store.scan_insert` does for a visit. The rule is not written twice: the
statement's CASE is generated from `schedules.step_after` for the policy and day in force, and
`services.dose_record` (the Python path, which reads the history and applies `schedules.next_dose`)
stays the oracle: tests/vaccination/test_station_one_statement.py checks on both databases that the
statement refuses what the Python path refuses, with the same reason, and stores the same row.

The verdict, in the Python path's order: `too_early` (the schedule's minimum interval from the last dose
is not over, or no further dose is in the schedule), `contraindicated` (the latest screening note says
so), else `ok` and the row is inserted. A concurrent dose of the same number (two stations, one card) or
a retried client id inserts nothing: `ON CONFLICT DO NOTHING` on the unique (person, number) and
client id. Whatever was not inserted goes through the Python path, which says why.
"""

from __future__ import annotations

import functools
import re
import uuid
from dataclasses import dataclass
from datetime import UTC, date, datetime, timedelta

from django.db import connection, models

from epiqr.core.timeutil import local, start_of_local_day
from epiqr.people.selectors import person_scan_columns, person_scan_match_sql

from . import schedules
from .models import Dose, Lot, Screening, Session, Site

# The columns the station's statement writes, in order.
COLUMN_LIST = (
    "person_id",
    "number",
    "series_doses",
    "product",
    "lot_id",
    "lot_number",
    "given_at",
    "site_id",
    "session_id",
    "given_by_id",
    "source",
    "country",
    "schedule",
    "early_override",
    "observe_until",
    "client_id",
    "recorded_at",
)


@dataclass(frozen=True)
class StationDose:
    """What the station stores for one dose, apart from the person (and the number, the series and the
    schedule, which the statement decides)."""

    product: str
    at: datetime
    observe_until: datetime | None
    session_id: int | None
    site_id: int | None
    lot_id: int | None
    lot_number: str
    given_by_id: int | None
    client_id: uuid.UUID | None
    source: str = "station"
    country: str = "VN"


def _threshold(gap: schedules.Interval | None, on: date) -> datetime | None:
    """The moment from which a last dose makes `on` too early for `gap`: a dose given on or after the
    local day `on - minimum + 1` (next_dose: too early when on < last day + minimum). None: always."""
    if gap is None:
        return None
    return start_of_local_day(on - timedelta(days=gap.minimum_days - 1))


def rule_sql(*, policy: schedules.SchedulePolicy, product: str, on: date) -> tuple[str, str, list, list]:
    """The schedule rule as two SQL expressions over a history row `h` (n: doses so far, f: the first
    dose's product, last: the latest dose's time): `too_early` (1 or 0) and `series_doses`, with their
    parameters. Generated from schedules.step_after for every product it knows; a first product it does
    not know takes step_after's default. Made once per policy, product, day and database."""
    early, series, early_params, series_params = _rule_sql(policy.name, product, on, connection.vendor)
    return early, series, list(early_params), list(series_params)


@functools.lru_cache(maxsize=64)
def _rule_sql(policy_name: str, product: str, on: date, _vendor: str) -> tuple[str, str, tuple, tuple]:
    policy = schedules.policy_named(policy_name)
    when_early: list[str] = ["WHEN h.n = 0 THEN 0"]
    early_params: list = []
    when_series: list[str] = ["WHEN h.n = 0 THEN %s"]
    series_params: list = [schedules.PRODUCTS[product].primary_doses if product in schedules.PRODUCTS else 1]

    def add(condition: str, params: list, step: schedules.Step) -> None:
        threshold = _threshold(step.gap, on)
        if threshold is None:
            when_early.append(f"WHEN {condition} THEN 1")
            early_params.extend(params)
        else:
            when_early.append(f"WHEN {condition} THEN {_not_before('%s')}")
            early_params.extend([*params, _db_time(threshold)])
        when_series.append(f"WHEN {condition} THEN %s")
        series_params.extend([*params, step.series_doses])

    known = list(schedules.PRODUCTS)
    for code in known:
        # doses 2 .. the first booster: the steps that depend on the first product
        for count in range(1, schedules.primary_doses_of(code) + 1):
            add("h.f = %s AND h.n = %s", [code, count], schedules.step_after(policy, code, count))
    unknown = "h.f NOT IN (" + ", ".join(["%s"] * len(known)) + ")"
    for count in range(1, schedules.primary_doses_of(None) + 1):
        add(f"{unknown} AND h.n = %s", [*known, count], schedules.step_after(policy, "", count))
    # every further booster: the same step whatever the first product (the parity test checks it)
    later = schedules.step_after(policy, known[0], schedules.primary_doses_of(known[0]) + 1)
    threshold = _threshold(later.gap, on)
    if threshold is None:
        early_else, early_else_params = "1", []
    else:
        early_else, early_else_params = _not_before("%s"), [_db_time(threshold)]
    early = f"CASE {' '.join(when_early)} ELSE {early_else} END"
    series = f"CASE {' '.join(when_series)} ELSE h.n + 1 END"
    # The rule's values are the code's own (product codes, counts, the day's thresholds), never a client's:
    # written into the cached text as literals, the station's statement keeps few parameters, so that the
    # driver caches its parsing too (psycopg parses a statement of more than 50 parameters every time).
    return _inline(early, [*early_params, *early_else_params]), _inline(series, series_params), (), ()


def _not_before(moment: str) -> str:
    """1 when the latest dose is on or after `moment` (too early), else 0; h.last is never null here (the
    history has a dose). PostgreSQL's shorter form keeps the statement short enough for the driver's cache."""
    if connection.vendor == "postgresql":
        return f"(h.last >= {moment})::int"
    return f"CASE WHEN h.last < {moment} THEN 0 ELSE 1 END"


_SAFE_TEXT = re.compile(r"[A-Za-z0-9 :.+_-]*")


def _literal(value) -> str:
    """A rule value as an SQL literal: an int, a moment (PostgreSQL: a timestamptz; SQLite stores times as
    text), or a plain code; anything else is refused rather than quoted."""
    if isinstance(value, bool) or value is None:
        raise ValueError(f"no literal for {value!r}")
    if isinstance(value, int):
        return str(value)
    if isinstance(value, datetime):  # PostgreSQL: an aware moment, written in UTC
        return f"'{value.astimezone(UTC):%Y-%m-%d %H:%M:%S}+00'"
    if isinstance(value, str) and _SAFE_TEXT.fullmatch(value):
        return f"'{value}'"
    raise ValueError(f"no literal for {value!r}")


def _inline(sql: str, params: list) -> str:
    parts = sql.split("%s")
    if len(parts) != len(params) + 1:
        raise ValueError("placeholders and values differ")
    return "".join(part + (_literal(params[i]) if i < len(params) else "") for i, part in enumerate(parts))


def _prep(name: str, value):
    """A value as the database stores Dose's field `name` (UTC text on SQLite, a uuid's hex...)."""
    field = Dose._meta.get_field(name)
    assert isinstance(field, models.Field)
    return field.get_db_prep_save(value, connection)


def _db_time(value: datetime):
    return _prep("given_at", value)


def history_sql(*, person: str) -> str:
    """One row `h` (n, f, last, c) of the person whose id is the SQL expression `person`: how many doses,
    the first dose's product, the latest dose's time, the latest screening note's contraindication."""
    doses = Dose._meta.db_table
    notes = Screening._meta.db_table
    return (
        f"SELECT (SELECT count(*) FROM {doses} WHERE person_id = {person}) AS n, "
        f"(SELECT product FROM {doses} WHERE person_id = {person} ORDER BY given_at, id LIMIT 1) AS f, "
        f"(SELECT max(given_at) FROM {doses} WHERE person_id = {person}) AS last, "
        f"(SELECT contraindicated FROM {notes} WHERE person_id = {person} ORDER BY at DESC, id DESC LIMIT 1) AS c"
    )


def verdict_sql(*, person: str, product: str, at: datetime) -> tuple[str, list]:
    """A SELECT of (verdict, number, series_doses, schedule) for the person whose id is the SQL
    expression `person`, for a dose of `product` at `at` under the schedule in force that day."""
    on = local(at).date()
    policy = schedules.policy_for(on)
    early, series, early_params, series_params = rule_sql(policy=policy, product=product, on=on)
    sql = (
        f"SELECT CASE WHEN ({early}) = 1 THEN 'too_early' WHEN h.c THEN 'contraindicated' ELSE 'ok' END "
        f"AS verdict, h.n + 1 AS number, {series} AS series_doses, %s AS schedule FROM ({history_sql(person=person)}) h"
    )
    return sql, [*early_params, *series_params, policy.name]


def _values(dose: StationDose) -> tuple[str, list]:
    """The SELECT list of the insert after the person's id (the verdict row is `v`)."""
    sql = "v.number, v.series_doses, %s, %s, %s, %s, %s, %s, %s, %s, %s, v.schedule, '', %s, %s, %s"
    params = [
        dose.product,
        dose.lot_id,
        dose.lot_number,
        _db_time(dose.at),
        dose.site_id,
        dose.session_id,
        dose.given_by_id,
        dose.source,
        dose.country,
        None if dose.observe_until is None else _db_time(dose.observe_until),
        _prep("client_id", dose.client_id),
        _db_time(dose.at),
    ]
    return sql, params


def dose_checked_insert(*, person_id: int, dose: StationDose) -> tuple[str, int, int, str, int | None]:
    """Both databases: the schedule and screening check and the insert in one statement, for a person
    already found. (verdict, number, series_doses, schedule, the new dose's id or None when nothing was
    stored); the verdict is read again (a second statement) only when nothing was stored."""
    verdict, verdict_params = verdict_sql(person="%s", product=dose.product, at=dose.at)
    verdict_params = [*verdict_params, *[person_id] * 4]  # the person's id in each history subquery
    values, value_params = _values(dose)
    table = Dose._meta.db_table
    columns = ", ".join(COLUMN_LIST)
    with connection.cursor() as cur:
        cur.execute(
            f"INSERT INTO {table} ({columns}) SELECT %s, {values} FROM ({verdict}) v "
            "WHERE v.verdict = 'ok' ON CONFLICT DO NOTHING RETURNING number, series_doses, schedule, id",
            [person_id, *value_params, *verdict_params],
        )
        row = cur.fetchone()
        if row is not None:
            return ("ok", *row)
        cur.execute(verdict, verdict_params)
        found = cur.fetchone()
    return (*found, None)


def station_scan_insert(*, doc, dose: StationDose) -> tuple | None:
    """PostgreSQL: the person a known card names, the schedule and screening check and the dose, in one
    statement. The person's row (people.selectors.person_scan_columns) followed by the verdict, the
    dose number, the series, the schedule and the new dose's id (None when nothing was stored); None
    when the card needs the full path (unknown, a new document, a blank to fill): no row, or no match."""
    match = person_scan_match_sql(doc=doc)
    if match is None:
        return None
    person_sql, person_params = match
    # The person as an init-plan value: each history subquery then probes its index by it.
    verdict, verdict_params = verdict_sql(person="(SELECT id FROM p)", product=dose.product, at=dose.at)
    values, value_params = _values(dose)
    table = Dose._meta.db_table
    columns = ", ".join(COLUMN_LIST)
    cols = ", ".join(f"p.{c}" for c in person_scan_columns())
    sql = (
        f"WITH p AS ({person_sql}), v AS ({verdict}), ins AS ("
        f"INSERT INTO {table} ({columns}) SELECT p.id, {values} FROM p, v WHERE v.verdict = 'ok' "
        "ON CONFLICT DO NOTHING RETURNING id) "
        f"SELECT {cols}, v.verdict, v.number, v.series_doses, v.schedule, ins.id FROM p CROSS JOIN v "
        "LEFT JOIN ins ON true"
    )
    with connection.cursor() as cur:
        cur.execute(sql, [*person_params, *verdict_params, *value_params])
        return cur.fetchone()


def session_for_station(pk: int) -> Session | None:
    """The session a station records for with its site and lot, in one plain query (the ORM's compiled
    select_related cost more than the rest of a station request's Python): the columns the station
    needs are loaded, the others on access."""
    site_table, lot_table = Site._meta.db_table, Lot._meta.db_table
    with connection.cursor() as cur:
        cur.execute(
            "SELECT s.id, s.day, s.team, s.product, s.site_id, t.name, t.commune_id, "
            "s.lot_id, l.product, l.number, l.expires_on "
            f"FROM {Session._meta.db_table} s JOIN {site_table} t ON t.id = s.site_id "
            f"LEFT JOIN {lot_table} l ON l.id = s.lot_id WHERE s.id = %s",
            [pk],
        )
        row = cur.fetchone()
    if row is None:
        return None
    pk, day, team, product, site_id, site_name, commune_id, lot_id, lot_product, number, expires = row
    day_field, expiry_field = Session._meta.get_field("day"), Lot._meta.get_field("expires_on")
    assert isinstance(day_field, models.DateField) and isinstance(expiry_field, models.DateField)
    session = Session(id=pk, day=day_field.to_python(day), team=team, product=product, site_id=site_id)
    session.site = Site(id=site_id, name=site_name, commune_id=commune_id)
    session.lot = (
        Lot(id=lot_id, product=lot_product, number=number, expires_on=expiry_field.to_python(expires))
        if lot_id is not None
        else None
    )
    return session
