"""Reads for tracing: the check-in store the engine searches, policies, runs and contacts in scope.

The check-in table is read with set queries over its two indexes, (person, checked_in_at) and
(venue, checked_in_at, person): one statement per degree gives the index persons' visits (the periods
as array parameters on PostgreSQL, a VALUES list on SQLite) and every check-in around each of them at the
same venue, never a loop over check-ins.
"""

from collections.abc import Sequence
from datetime import UTC, date, datetime, timedelta

import numpy as np
from django.db import connection
from django.db.models import BooleanField, Exists, ExpressionWrapper, OuterRef, Q, QuerySet, Value
from django.utils.translation import gettext_lazy as _

from epiqr.accounts.selectors import commune_filter, jurisdiction_q, user_in_jurisdiction
from epiqr.core.errors import Forbidden, Invalid, NotFound
from epiqr.core.lists import Filter, FilterKind, ListSpec, Sort, day_from, day_until
from epiqr.core.pgsql import array_literal, int_array_literal

from . import batch, engine
from .models import Contact, FollowUp, RunStatus, TracingPolicy, TracingRun

CHUNK = 4000  # periods per statement: well under SQLite's parameter limit
COLUMNS = "c.id, c.person_id, c.venue_id, c.checked_in_at, c.checked_out_at"
EPOCH = datetime(1970, 1, 1, tzinfo=UTC)
PG_EPOCH_MICROS = 946_684_800_000_000  # PostgreSQL's binary timestamps count from 2000-01-01 UTC
PG_MINUS_INFINITY = np.iinfo(np.int64).min


def _dt(value) -> datetime | None:
    if value is None:
        return None
    if isinstance(value, int):
        return EPOCH + timedelta(microseconds=value)
    if isinstance(value, str):
        value = datetime.fromisoformat(value)
    return value.replace(tzinfo=UTC) if value.tzinfo is None else value


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


def _copy_integers(cur, sql: str, params: list, width: int) -> np.ndarray:
    """The rows of a query of `width` non-null eight-byte columns (bigint, timestamptz), flattened, via
    COPY ... (FORMAT BINARY): each row is a field count and, per field, a length and eight big-endian bytes."""
    with cur.cursor.copy(f"COPY ({sql}) TO STDOUT (FORMAT BINARY)", params) as copy:
        data = b"".join(bytes(block) for block in copy)
    extension = int.from_bytes(data[15:19], "big")
    body = data[19 + extension : -2]  # after the signature, flags and header extension; before the -1 trailer
    fields = [("count", ">i2")]
    for i in range(width):
        fields += [(f"len{i}", ">i4"), (f"v{i}", ">i8")]
    records = np.frombuffer(body, dtype=np.dtype(fields))
    if len(records) and not (
        (records["count"] == width).all() and all((records[f"len{i}"] == 8).all() for i in range(width))
    ):
        raise ValueError("COPY returned a null or a column that is not eight bytes wide")
    return np.stack([records[f"v{i}"].astype(np.int64) for i in range(width)], axis=1).ravel()


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
            f"CROSS JOIN LATERAL (SELECT {COLUMNS} FROM checkins_checkin c WHERE c.{column} = w.k "
            "AND c.checked_in_at >= w.lo AND c.checked_in_at <= w.hi) c"
        )
    return (
        f"JOIN checkins_checkin c ON c.{column} = w.k AND c.checked_in_at >= w.lo AND c.checked_in_at <= w.hi"
    )


def _rows_to_visits(rows) -> list[engine.Visit]:
    return [engine.Visit(r[0], r[1], r[2], _dt(r[3]), _dt(r[4]), r[5]) for r in rows]  # type: ignore[arg-type]


def _visits(rows: Sequence[tuple[int, datetime, datetime]], column: str) -> list[engine.Visit]:
    out: list[engine.Visit] = []
    with connection.cursor() as cur:
        for i in range(0, len(rows), CHUNK):
            values, params = _values(rows[i : i + CHUNK])
            cur.execute(
                f"WITH w(k, lo, hi) AS ({values}) SELECT c.id, c.person_id, c.venue_id, {_times('c')}, "
                f"v.sector FROM w {_in_windows_sql(column)} "
                "JOIN venues_venue v ON v.id = c.venue_id",
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
            f"CROSS JOIN LATERAL (SELECT {COLUMNS} FROM checkins_checkin c WHERE c.venue_id = f.venue_id "
            f"AND c.checked_in_at >= f.checked_in_at - interval '{b} seconds' "
            f"AND c.checked_in_at <= f.checked_in_at + interval '{a} seconds') c"
        )
    return (
        "JOIN checkins_checkin c ON c.venue_id = f.venue_id "
        f"AND c.checked_in_at >= datetime(f.checked_in_at, '-{b} seconds') "
        f"AND c.checked_in_at <= datetime(f.checked_in_at, '+{a} seconds')"
    )


def _index_visits_sql() -> str:
    """`f`: the visits of each period's person inside the period (the periods are `w`, see _values)."""
    return f"WITH w(k, lo, hi) AS ({{values}}), f AS (SELECT {COLUMNS} FROM w {_in_windows_sql('person_id')})"


def _around_sql(before: timedelta, after: timedelta) -> str:
    """The index persons' visits (kind 0) and the check-ins around each of them (kind 1), one query."""
    from epiqr.cases.selectors import case_active_sql

    return (
        _index_visits_sql() + ", "
        "x AS (SELECT 0 AS kind, f.* FROM f UNION ALL "
        f"SELECT 1 AS kind, {COLUMNS} FROM f {_around_join(before, after)}) "
        # Scalar subqueries: per-row primary-key / index lookups, where a join may scan all venues.
        f"SELECT x.id, x.person_id, x.venue_id, {_times('x')}, "
        "(SELECT v.sector FROM venues_venue v WHERE v.id = x.venue_id), x.kind, "
        f"{case_active_sql(person_column='x.person_id')} FROM x"
    )


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
        with connection.cursor() as cur:
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
        (batch.PAIR_COLUMNS), and the sector of each venue met. On PostgreSQL the rows come as one
        binary COPY read straight into numpy, never as Python objects."""
        from epiqr.cases.selectors import case_active_sql
        from epiqr.venues.selectors import venue_sectors

        if not periods:
            return batch.Pairs.from_rows([]), {}
        pg = connection.vendor == "postgresql"
        is_case = (
            f"({case_active_sql(person_column='c.person_id', form='in')})::int::int8"
            if pg
            else case_active_sql(person_column="c.person_id")
        )
        rows = [(p.person_id, p.start, p.end) for p in periods]
        # PostgreSQL's binary timestamptz is already an integer (microseconds since 2000), '-infinity' the
        # lowest one: no conversion in the query; SQLite's text times are parsed below.
        times = "{0}.checked_in_at, " + (
            "coalesce({0}.checked_out_at, '-infinity')" if pg else "{0}.checked_out_at"
        )
        template = (
            _index_visits_sql() + f" SELECT f.person_id, f.id, {times.format('f')}, f.venue_id, "
            f"c.person_id, c.id, {times.format('c')}, {is_case} FROM f {_around_join(before, after)}"
        )
        parts = []
        with connection.cursor() as cur:
            for i in range(0, len(rows), CHUNK):
                values, params = _values(rows[i : i + CHUNK])
                sql = template.format(values=values)
                if pg:
                    parts.append(_copy_integers(cur, sql, params, len(batch.PAIR_COLUMNS)))
                else:
                    cur.execute(sql, params)
                    parts.append(np.array([_row_micros(r) for r in cur.fetchall()], dtype=np.int64))
        table = np.concatenate(parts).reshape(-1, len(batch.PAIR_COLUMNS))
        if pg:
            for column in (2, 3, 7, 8):
                t = table[:, column]
                table[:, column] = np.where(t == PG_MINUS_INFINITY, batch.NO_END, t + PG_EPOCH_MICROS)
        pairs = batch.Pairs.from_columns(table.T)
        return pairs, venue_sectors(venue_ids=np.unique(pairs.venue).tolist())

    def cases_among(self, person_ids: set[int]) -> set[int]:
        from epiqr.cases.selectors import case_person_ids_among

        unknown = {p for p in person_ids if p not in self.known}
        found = case_person_ids_among(person_ids=unknown) if unknown else set()
        return found | {p for p in person_ids if self.known.get(p)}


def checkins_of_person(*, person_id: int, since: datetime) -> list[engine.Visit]:
    """A person's own visits since a moment (citizen self-check), newest first."""
    visits = CheckinStore().visits_of([engine.Period(person_id, since, datetime.max.replace(tzinfo=UTC))])
    return sorted(visits, key=lambda v: v.start, reverse=True)


def policy_list() -> list[TracingPolicy]:
    return list(TracingPolicy.objects.all())


def policy_get(*, name: str | None = None, on: date | None = None) -> TracingPolicy:
    """The latest version of a named policy, or the default policy in force on a day."""
    if name:
        # Raw lookup by the unique (name, version) index: every trace names its policy.
        row = next(
            iter(
                TracingPolicy.objects.raw(
                    f"SELECT * FROM {TracingPolicy._meta.db_table} WHERE name = %s ORDER BY version DESC LIMIT 1",
                    [name],
                )
            ),
            None,
        )
        if row is None:
            names = ", ".join(sorted(set(TracingPolicy.objects.values_list("name", flat=True))))
            raise Invalid(
                _("There is no tracing policy '%(name)s'. There are: %(names)s.")
                % {"name": name, "names": names},
                field="policy",
            )
        return row
    qs = TracingPolicy.objects.filter(is_default=True)
    row = qs.filter(effective_from__lte=on or date.today()).order_by("-effective_from", "-version").first()
    row = row or qs.order_by("effective_from").first()
    if row is None:
        raise NotFound(_("There is no tracing policy yet."), code="no_policy")
    return row


def policy_engine(row: TracingPolicy) -> engine.Policy:
    return engine.Policy.from_dict(
        {
            **row.params,
            "name": row.name,
            "rule": row.rule,
            "version": row.version,
            "effective_from": row.effective_from,
        }
    )


def run_list_visible_to(*, user, case_id: int | None = None) -> QuerySet[TracingRun]:
    """Runs the user may open, each with `owned`.

    The visibility rule of tracing: the officers of the case's jurisdiction own its runs (the F0, the
    infectious period, the movements, the review). An officer elsewhere sees a run only when some of its
    contacts live in their area, and then only those contacts and where and when they were exposed
    (`owned` False; see run_payload and the run page)."""
    qs = TracingRun.objects.select_related("case__person", "ran_by")
    if case_id is not None:
        qs = qs.filter(case_id=case_id)
    owned_q = jurisdiction_q(user=user, commune_path="case__commune")
    if owned_q is None:
        return qs.annotate(owned=Value(True, output_field=BooleanField()))
    contact_q = jurisdiction_q(user=user, commune_path="contacts__commune")
    scope = owned_q | contact_q  # type: ignore[operator]
    qs = qs.filter(pk__in=TracingRun.objects.filter(scope).values("pk"))
    return qs.annotate(owned=ExpressionWrapper(owned_q, output_field=BooleanField()))


# The runs list (/tracing/ and GET /api/v1/tracing/runs).
RUNS = ListSpec(
    name="tracing_runs",
    filters=(
        Filter("status", _("Status"), choices=RunStatus.choices),
        Filter("degree", _("Degree"), choices=((1, "F1"), (2, "F1 + F2"))),
        commune_filter(lookup="case__commune_id", label=_("Commune of the case")),
        Filter("case", _("Case number"), kind=FilterKind.INT, minimum=1, lookup="case_id"),
        day_from("since", _("Ran from"), "ran_at"),
        day_until("until", _("Ran until"), "ran_at"),
    ),
    sorts=(
        Sort("ran_at", _("Time of the run"), ("ran_at", "id")),
        Sort("contacts", _("Number of contacts"), ("contact_count", "id")),
    ),
    default_sort="-ran_at",
    model=TracingRun,
)


def run_get_visible_to(*, user, run_id: int) -> TracingRun:
    run = run_list_visible_to(user=user).filter(pk=run_id).first()
    if run is None:
        raise NotFound(_("No tracing run with this number in your area."))
    return run


def run_get_owned_by(*, user, run_id: int) -> TracingRun:
    """A run the user may act on as a whole (review it): one of their jurisdiction's cases. A run seen
    only through its contacts is Forbidden; one not seen at all is NotFound."""
    run = run_get_visible_to(user=user, run_id=run_id)
    if not run.owned:
        raise Forbidden(
            _(
                "This case belongs to another jurisdiction: only its health officers review or act on the run."
            ),
            code="not_owner",
        )
    return run


def contact_list_visible_to(
    *, user, run: TracingRun, degree: int | None = None, risk: str | None = None, status: str | None = None
) -> QuerySet[Contact]:
    """A run's contacts the user may see: those living in the user's jurisdiction; contacts of
    unknown commune go to the officers of the case's jurisdiction. `user=None` is the operator's CLI."""
    qs = run.contacts.select_related("person", "commune", "new_case").prefetch_related("exposures__venue")
    q = None if user is None else jurisdiction_q(user=user, commune_path="commune")
    if q is not None:
        # Whether the case is in the user's area is decided once here, not joined per contact: a page
        # of a 250,000-contact run is then read in the order of an index on the run.
        case = run.case
        if user_in_jurisdiction(user=user, commune_id=case.commune_id):
            q |= Q(commune__isnull=True)
        qs = qs.filter(q)
    if degree:
        qs = qs.filter(degree=degree)
    if risk:
        qs = qs.filter(risk=risk)
    if status:
        qs = qs.filter(status=status)
    return qs


def _contact_search(qs: QuerySet[Contact], text: str) -> QuerySet[Contact]:
    """Contacts whose name holds every word typed (diacritics optional), or whose phone holds the digits."""
    from epiqr.core.text import fold

    digits = "".join(c for c in text if c.isdigit())
    if digits and len(digits) >= 4 and not any(c.isalpha() for c in text):
        return qs.filter(person__phone__contains=digits[-9:])
    for word in fold(text).split():
        qs = qs.filter(person__name_folded__contains=word)
    return qs


def _contact_at_venue(qs: QuerySet[Contact], venue_id: int) -> QuerySet[Contact]:
    from .models import Exposure

    return qs.filter(Exists(Exposure.objects.filter(contact=OuterRef("pk"), venue_id=venue_id)))


# The contacts of a run, as the run page and GET /api/v1/tracing/runs/{id}/contacts page them. Both
# sorts are served by an index that starts with the run (see Contact.Meta.indexes).
CONTACTS = ListSpec(
    name="tracing_contacts",
    filters=(
        Filter("degree", _("Degree"), choices=((1, "F1"), (2, "F2"))),
        Filter("risk", _("Risk"), choices=(("high", _("high")), ("low", _("low")))),
        Filter("status", _("Follow-up"), choices=FollowUp.choices),
        commune_filter(lookup="commune_id"),
        Filter("venue", _("Venue"), kind=FilterKind.INT, minimum=1, apply=_contact_at_venue, in_form=False,
               help="the id of a venue where the contact met the case"),
        Filter("q", _("Name or phone"), kind=FilterKind.TEXT, apply=_contact_search,
               placeholder=_("e.g. nguyen van an")),
    ),
    sorts=(
        Sort("priority", _("F1 first, high risk first"), ("degree", "risk", "first_exposed_at", "id")),
        Sort("exposed", _("Time of exposure"), ("first_exposed_at", "id")),
    ),
    default_sort="priority",
    model=Contact,
    index_prefixes=(("run",),),
)  # fmt: skip


def contact_sources(*, user, run: TracingRun, contacts: Sequence[Contact]) -> dict[int, list[dict]]:
    """For each F2 among `contacts`: the F1s through whom it was reached, in order of exposure, each as
    {"contact": F1 contact id, "name": the F1's name, or None when the user may not see that F1}.
    Two queries for the whole page; exposures must be prefetched."""
    wanted: dict[int, list[int]] = {}
    for c in contacts:
        if c.degree == 2:
            seen = []
            for e in sorted(c.exposures.all(), key=lambda e: (e.start, e.id)):
                if e.source_person_id not in seen:
                    seen.append(e.source_person_id)
            wanted[c.pk] = seen
    people = {p for ids in wanted.values() for p in ids}
    if not people:
        return {}
    every_f1 = run.contacts.filter(degree=1)
    visible_f1 = contact_list_visible_to(user=user, run=run).filter(degree=1)
    if len(people) <= 1000:  # a page; an export reads the run's F1s whole rather than name thousands
        every_f1, visible_f1 = every_f1.filter(person_id__in=people), visible_f1.filter(person_id__in=people)
    f1 = dict(every_f1.values_list("person_id", "pk"))
    names = dict(visible_f1.values_list("person_id", "person__full_name"))
    return {
        contact_id: [{"contact": f1.get(p), "name": names.get(p)} for p in ids]
        for contact_id, ids in wanted.items()
    }


def contact_get_visible_to(*, user, contact_id: int) -> Contact:
    contact = Contact.objects.select_related("run__case", "person").filter(pk=contact_id).first()
    if (
        contact is None
        or not contact_list_visible_to(user=user, run=contact.run).filter(pk=contact.pk).exists()
    ):
        raise NotFound(_("No such contact within your jurisdiction."))
    return contact


def contact_groups(contacts) -> list[dict]:
    """Contacts grouped by venue and then by the F0 visit they met (for the run page)."""
    groups: dict[tuple, dict] = {}
    for contact in contacts:
        for e in contact.exposures.all():
            key = (e.venue_id, e.source_checkin_id)
            g = groups.setdefault(
                key,
                {"venue": e.venue, "source_start": e.source_start, "source_end": e.source_end, "rows": []},
            )
            g["rows"].append((contact, e))
    return sorted(groups.values(), key=lambda g: (g["source_start"], g["venue"].name))


def contact_ids_visible_to(user) -> QuerySet:
    q = jurisdiction_q(user=user, commune_path="commune")
    return Contact.objects.filter(q).values_list("pk", flat=True) if q is not None else Contact.objects.none()


def run_ids_visible_to(user) -> QuerySet:
    q = jurisdiction_q(user=user, commune_path="case__commune")
    return (
        TracingRun.objects.filter(q).values_list("pk", flat=True)
        if q is not None
        else TracingRun.objects.none()
    )


def _iso(dt: datetime | None) -> str | None:
    return dt.astimezone(UTC).isoformat().replace("+00:00", "Z") if dt else None


def contact_payload(contact: Contact, *, owned: bool = True, through: list[dict] | None = None) -> dict:
    """One contact as the API gives it; `through` are the F1s an F2 was reached through (contact_sources:
    a name only where the reader may see that F1); outside the case's jurisdiction (`owned` False)
    without who the source of each exposure was."""
    p = contact.person
    return {
        "id": contact.pk,
        "person_id": p.pk,
        "public_id": str(p.public_id),
        "full_name": p.full_name,
        "phone": p.phone,
        "address": p.address,
        "commune": contact.commune.name if contact.commune else None,
        "commune_code": contact.commune_id,
        "degree": contact.degree,
        "risk": contact.risk,
        "overlap_minutes": contact.overlap_minutes,
        "first_exposed_at": _iso(contact.first_exposed_at),
        "status": contact.status,
        "new_case": contact.new_case_id,
        "through": through or [],
        "exposures": [
            {
                "venue_code": e.venue.code,
                "venue_name": e.venue.name,
                "checkin_id": e.checkin_id,
                "start": _iso(e.start),
                "end": _iso(e.end),
                "source_person_id": e.source_person_id if owned else None,
                "source_checkin_id": e.source_checkin_id if owned else None,
                "source_start": _iso(e.source_start),
                "source_end": _iso(e.source_end),
                "overlap_minutes": e.overlap_minutes,
                "weighted_minutes": e.weighted_minutes,
                "risk": e.risk,
            }
            for e in contact.exposures.all()
        ],
    }


def run_summary(*, run: TracingRun, user) -> dict:
    """A run without its contacts (they are paged: GET /api/v1/tracing/runs/{id}/contacts). Outside the
    case's jurisdiction the case, its infectious period, its total and the changes since the last run are
    null: the officer sees their own contacts and where and when they were exposed."""
    owned = user is None or getattr(run, "owned", True)
    return {
        "id": run.pk,
        "owned": owned,
        "case": run.case_id if owned else None,
        "policy": run.policy_snapshot.get("name"),
        "policy_version": run.policy_snapshot.get("version"),
        "policy_snapshot": run.policy_snapshot,
        "degree": run.degree,
        "period_start": _iso(run.period_start) if owned else None,
        "period_end": _iso(run.period_end) if owned else None,
        "ran_at": _iso(run.ran_at),
        "ran_by": run.ran_by.username if run.ran_by else None,
        "trigger": run.trigger,
        "status": run.status,
        "contact_count": run.contact_count if owned else None,
        "changes": run.changes if owned else None,
    }


def run_payload(*, run: TracingRun, user) -> dict:
    """A run and every contact the user may see, as the CLI gives them (`epiqr trace --json`)."""
    contacts = list(contact_list_visible_to(user=user, run=run))
    sources = contact_sources(user=user, run=run, contacts=contacts)
    summary = run_summary(run=run, user=user)
    return {
        "run": {**summary, "visible_contacts": len(contacts)},
        "contacts": [
            contact_payload(c, owned=summary["owned"], through=sources.get(c.pk, [])) for c in contacts
        ],
    }


# --- beyond one case: the F0s' visits, clusters and the public risky-venue feed ------------------


def f0_visits(*, since: datetime, until: datetime, cases=None) -> list[tuple]:
    """(case, visit) for each check-in of recent cases inside their infectious periods: one query.
    `cases` defaults to every case that counts (cases.selectors.case_list_counted: not cancelled)."""
    from epiqr.cases.selectors import case_list_counted, case_period

    if cases is None:
        cases = case_list_counted(confirmed_since=since.date())
    by_person = {}
    periods = []
    for case in cases:
        p = case_period(case=case)
        start, end = max(p.start, since), min(p.end, until)
        if start <= end:
            by_person[case.person_id] = case
            periods.append(engine.Period(case.person_id, start, end))
    return [(by_person[v.person_id], v) for v in CheckinStore().visits_of(periods)]


def cluster_list(*, user, days: int = 14, until: datetime | None = None) -> list[dict]:
    """Venues with two or more F0 visits within `days` days, with the cases and overlapping visitors."""
    from datetime import timedelta

    from epiqr.cases.selectors import case_list_counted
    from epiqr.core.timeutil import now
    from epiqr.venues.models import Venue

    until = until or now()
    since = until - timedelta(days=days + 14)
    pairs = f0_visits(since=since, until=until, cases=case_list_counted(user=user))
    by_venue: dict[int, list] = {}
    for case, visit in pairs:
        by_venue.setdefault(visit.venue_id, []).append((case, visit))
    clusters = []
    span = timedelta(days=days)
    for venue_id, items in by_venue.items():
        items.sort(key=lambda cv: cv[1].start)
        best: list = []
        for i, (_c, first) in enumerate(items):  # the densest run of visits inside `days` days
            window = [cv for cv in items[i:] if cv[1].start - first.start <= span]
            if len({c.pk for c, _v in window}) > len({c.pk for c, _v in best}):
                best = window
        if len({c.pk for c, _v in best}) >= 2:
            clusters.append({"venue_id": venue_id, "items": best})
    venues = Venue.objects.in_bulk([c["venue_id"] for c in clusters])
    from .models import Exposure

    for c in clusters:
        c["venue"] = venues[c["venue_id"]]
        c["cases"] = list({case.pk: case for case, _v in c["items"]}.values())
        c["first"] = c["items"][0][1].start
        c["last"] = c["items"][-1][1].start
        source_ids = [v.checkin_id for _c, v in c["items"]]
        c["visitors"] = (
            Exposure.objects.filter(venue_id=c["venue_id"], source_checkin_id__in=source_ids)
            .values("contact__person_id")
            .distinct()
            .count()
        )
    clusters.sort(key=lambda c: (-len(c["cases"]), -c["last"].timestamp()))
    return clusters


def risky_venue_feed(*, days: int = 14, until: datetime | None = None) -> list[dict]:
    """Places and times where F0s were present: venue code, start, end, risk level. No personal data.

    Presence intervals of all F0s at a venue are merged; the level is "high" where two or more cases
    were present together, else "medium".
    """
    from datetime import timedelta

    from epiqr.core.timeutil import now
    from epiqr.venues.models import Venue

    until = until or now()
    policy = policy_engine(policy_get(on=until.date()))
    pairs = f0_visits(since=until - timedelta(days=days), until=until)
    by_venue: dict[int, list[tuple[datetime, datetime, int]]] = {}
    for case, v in pairs:
        start, end = engine.presence(v, policy)
        by_venue.setdefault(v.venue_id, []).append((start, end, case.pk))
    codes = dict(Venue.objects.filter(pk__in=list(by_venue)).values_list("pk", "code"))
    entries = []
    for venue_id, items in by_venue.items():
        items.sort()
        cur_s, cur_e, cases = items[0][0], items[0][1], {items[0][2]}
        for s, e, c in items[1:] + [(None, None, None)]:
            if s is not None and s < cur_e:
                cur_e, cases = max(cur_e, e), cases | {c}
                continue
            entries.append(
                {
                    "venue_code": codes[venue_id],
                    "start": _iso(cur_s),
                    "end": _iso(cur_e),
                    "risk_level": "high" if len(cases) >= 2 else "medium",
                }
            )
            if s is not None:
                cur_s, cur_e, cases = s, e, {c}
    entries.sort(key=lambda x: (x["start"], x["venue_code"]))
    return entries


def self_check(*, people: list, own_checkin_ids: set[int], days: int) -> list[dict]:
    """For each person a citizen's phone checks in (`people.selectors.DevicePerson`): the visits of the
    last `days` days the phone may see (all of a person its holder proved, only the phone's own visits of
    the others) and which of them overlap an entry of the risky-venue feed."""
    from datetime import timedelta

    from epiqr.core.timeutil import now
    from epiqr.venues.models import Venue

    since = now() - timedelta(days=days)
    feed = risky_venue_feed(days=days)
    risky: dict[str, list[tuple[datetime, datetime, str]]] = {}
    for e in feed:
        risky.setdefault(e["venue_code"], []).append(
            (datetime.fromisoformat(e["start"]), datetime.fromisoformat(e["end"]), e["risk_level"])
        )
    policy = policy_engine(policy_get(on=now().date()))
    out = []
    for person in people:
        visits = checkins_of_person(person_id=person.person_id, since=since)
        if not person.proven:
            visits = [v for v in visits if v.checkin_id in own_checkin_ids]
        venues = Venue.objects.in_bulk({v.venue_id for v in visits})
        rows = []
        for v in visits:
            venue = venues[v.venue_id]
            start, end = engine.presence(v, policy)
            hit = next((lvl for s, e, lvl in risky.get(venue.code, ()) if start < e and s < end), None)
            rows.append({"venue": venue, "start": start, "end": v.end, "risk": hit})
        out.append({"label": person.label, "visits": rows, "risky": sum(1 for r in rows if r["risk"])})
    return out
