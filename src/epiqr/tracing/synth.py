"""A reproducible synthetic world for benchmarks: venues with skewed popularity, people, and a history of
check-ins with daily peaks, written straight into the tables (COPY on PostgreSQL, executemany on SQLite).

Same seed, same world. Made-up people only. The only place outside the check-in domain that writes
check-ins, and only into a database meant for measuring.
"""

import io
import json
import time
import uuid
from dataclasses import dataclass
from datetime import UTC, date, datetime, timedelta

import numpy as np
from django.db import connection, models, transaction
from django.utils import timezone

from epiqr.checkins.models import CheckIn
from epiqr.core.progress import Progress
from epiqr.core.text import fold
from epiqr.core.timeutil import VN_TZ, local_today
from epiqr.geo.models import Commune
from epiqr.people.models import Person
from epiqr.venues.codes import ALPHABET, check_char
from epiqr.venues.models import Venue

SECTORS = ["food", "retail", "workplace", "school", "health", "transport", "religious", "other"]
SECTOR_P = [0.35, 0.25, 0.15, 0.06, 0.05, 0.04, 0.03, 0.07]
# Share of the day's check-ins in each local hour: morning, lunch and evening peaks, quiet nights.
HOURLY = np.array(
    [1, 0.5, 0.3, 0.3, 0.5, 2, 5, 9, 8, 6, 6, 9, 10, 7, 5, 5, 6, 9, 10, 8, 6, 4, 3, 2], dtype=float
)
FAMILY = ["Nguyễn", "Trần", "Lê", "Phạm", "Hoàng", "Huỳnh", "Phan", "Vũ", "Võ", "Đặng", "Bùi", "Đỗ"]
GIVEN = [
    "An",
    "Bình",
    "Châu",
    "Dũng",
    "Giang",
    "Hà",
    "Hải",
    "Hạnh",
    "Khoa",
    "Lan",
    "Linh",
    "Minh",
    "Nam",
    "Ngọc",
    "Phúc",
    "Quân",
    "Sơn",
    "Tâm",
    "Thảo",
    "Trang",
    "Tuấn",
    "Vy",
    "Yến",
]
MIDDLE = ["Văn", "Thị", "Minh", "Quốc", "Thu", "Đức", "Ngọc", "Thanh"]


@dataclass
class SynthReport:
    venues: int
    people: int
    checkins: int
    first_day: date
    last_day: date
    seconds: float


def _venue_code(n: int) -> str:
    body = ""
    for _ in range(6):
        n, r = divmod(n, len(ALPHABET))
        body = ALPHABET[r] + body
    return body + check_char(body)


def _text(value) -> str:
    if value is None:
        return "\\N"
    if isinstance(value, bool):
        return "t" if value else "f"
    if isinstance(value, datetime | date):
        return value.isoformat()
    if isinstance(value, dict | list):
        value = json.dumps(value, ensure_ascii=False)
    return str(value).replace("\\", "\\\\").replace("\t", " ").replace("\n", " ")


def _columns(model, given: list[str]) -> tuple[list[str], list]:
    """Every concrete column not given (and not the primary key), with a constant default value."""
    stamp = timezone.now()
    extra, values = [], []
    for f in model._meta.concrete_fields:
        if f.primary_key or f.attname in given:
            continue
        if getattr(f, "auto_now", False) or getattr(f, "auto_now_add", False):
            value = stamp
        elif f.has_default():
            value = f.get_default()
        elif f.null:
            value = None
        elif isinstance(f, models.CharField | models.TextField):
            value = ""
        else:
            raise RuntimeError(f"synth cannot fill {model.__name__}.{f.attname}")
        extra.append(f.column)
        values.append(value)
    return extra, values


def _insert(model, columns: list[str], rows) -> None:
    """Append rows (tuples matching `columns` + the model's remaining default columns)."""
    extra_cols, extra_vals = _columns(model, columns)
    table = model._meta.db_table
    cols = [model._meta.get_field(c).column for c in columns] + extra_cols
    with connection.cursor() as cur:
        if connection.vendor == "postgresql":
            tail = "\t".join(_text(v) for v in extra_vals)
            sql = f"COPY {table} ({', '.join(cols)}) FROM STDIN"
            with cur.cursor.copy(sql) as copy:
                buf = io.StringIO()
                for i, row in enumerate(rows, 1):
                    buf.write("\t".join(_text(v) for v in row))
                    buf.write(("\t" + tail) if tail else "")
                    buf.write("\n")
                    if i % 50000 == 0:
                        copy.write(buf.getvalue())
                        buf = io.StringIO()
                copy.write(buf.getvalue())
        else:
            marks = ", ".join(["%s"] * len(cols))
            sql = f"INSERT INTO {table} ({', '.join(cols)}) VALUES ({marks})"
            prepped = [
                connection.ops.adapt_datetimefield_value(v) if isinstance(v, datetime) else v
                for v in extra_vals
            ]
            prepped = [json.dumps(v) if isinstance(v, dict | list) else v for v in prepped]
            batch = []
            for row in rows:
                batch.append(tuple(row) + tuple(prepped))
                if len(batch) == 50000:
                    cur.executemany(sql, batch)
                    batch = []
            if batch:
                cur.executemany(sql, batch)


def _next_id(model) -> int:
    return (model.objects.aggregate(m=models.Max("pk"))["m"] or 0) + 1


def _reset_sequence(model) -> None:
    if connection.vendor == "postgresql":
        table = model._meta.db_table
        with connection.cursor() as cur:
            cur.execute(
                f"SELECT setval(pg_get_serial_sequence('{table}', 'id'), (SELECT max(id) FROM {table}))"
            )


def synth_world(
    *,
    venues: int,
    people: int,
    checkins: int,
    days: int = 14,
    seed: int = 2021,
    last_day: date | None = None,
    province_code: int = 1,
    skew: float = 0.8,
    checked_out_share: float = 0.7,
    fast_indexes: bool = True,
    out=print,
    progress: Progress | None = None,
) -> SynthReport:
    """Generate the world; `skew` is the Zipf exponent of venue popularity (0 = all venues alike).
    `out` gets one line per step; `progress` (core.progress) counts the rows written."""
    progress = progress or Progress()
    progress.start(total=venues + people + checkins, stage="venues")

    began = time.perf_counter()
    rng = np.random.default_rng(seed)
    last_day = last_day or local_today() - timedelta(days=1)
    first_day = last_day - timedelta(days=days - 1)
    communes = list(
        Commune.objects.filter(province_id=province_code).order_by("code").values_list("pk", flat=True)
    )
    if not communes:
        raise RuntimeError("no communes: run migrations first")

    # Venues
    v0 = _next_id(Venue)
    sectors = rng.choice(len(SECTORS), size=venues, p=SECTOR_P)
    v_communes = rng.integers(0, len(communes), size=venues)

    def venue_rows():
        for i in range(venues):
            name = f"Địa điểm thử {v0 + i}"
            yield (
                v0 + i,
                "SY" + _venue_code(v0 + i)[:10],
                name,
                fold(name),
                SECTORS[sectors[i]],
                f"{i % 300 + 1} Phố Mẫu",
                communes[v_communes[i]],
                True,
            )

    with transaction.atomic():
        _insert(
            Venue,
            ["id", "code", "name", "name_folded", "sector", "address", "commune_id", "is_active"],
            venue_rows(),
        )
    _reset_sequence(Venue)
    progress.advance(venues)
    progress.stage("people")
    out(f"synth: {venues} venues ({time.perf_counter() - began:.1f}s)")

    # People
    p0 = _next_id(Person)
    fam = rng.integers(0, len(FAMILY), size=people)
    mid = rng.integers(0, len(MIDDLE), size=people)
    giv = rng.integers(0, len(GIVEN), size=people)
    years = rng.integers(1940, 2015, size=people)
    p_communes = rng.integers(0, len(communes), size=people)
    uuid_bits = rng.integers(0, 2**63, size=(people, 2), dtype=np.int64)
    folded_family = [fold(x) for x in FAMILY]
    folded_mid = [fold(x) for x in MIDDLE]
    folded_given = [fold(x) for x in GIVEN]

    def people_rows():
        for i in range(people):
            name = f"{FAMILY[fam[i]]} {MIDDLE[mid[i]]} {GIVEN[giv[i]]}"
            folded = f"{folded_family[fam[i]]} {folded_mid[mid[i]]} {folded_given[giv[i]]}"
            public = uuid.UUID(
                int=((int(uuid_bits[i, 0]) << 64) | int(uuid_bits[i, 1])) ^ (p0 + i), version=4
            )
            yield (
                p0 + i,
                str(public),
                name,
                folded,
                int(years[i]),
                "M" if i % 2 else "F",
                f"09{(p0 + i) % 10**8:08d}",
                f"{i % 500 + 1} Ngõ Mẫu",
                communes[p_communes[i]],
            )

    with transaction.atomic():
        _insert(
            Person,
            [
                "id",
                "public_id",
                "full_name",
                "name_folded",
                "birth_year",
                "sex",
                "phone",
                "address",
                "commune_id",
            ],
            people_rows(),
        )
    _reset_sequence(Person)
    progress.advance(people)
    progress.stage("check-ins")
    out(f"synth: {people} people ({time.perf_counter() - began:.1f}s)")

    # Check-ins: venue by Zipf-like popularity, person uniform, day uniform, local hour by HOURLY.
    weights = 1.0 / np.power(np.arange(1, venues + 1, dtype=float) + 5.0, skew)
    rng.shuffle(weights)
    cum = np.cumsum(weights)
    cum /= cum[-1]
    start_utc = datetime.combine(first_day, datetime.min.time(), tzinfo=VN_TZ).astimezone(UTC)
    epoch0 = int(start_utc.timestamp())
    hour_p = HOURLY / HOURLY.sum()
    pg = connection.vendor == "postgresql"
    chunk = 1_000_000
    written = 0
    dropped = []
    if pg and fast_indexes:  # building an index once is much faster than growing it row by row
        with connection.schema_editor() as editor:
            for index in CheckIn._meta.indexes:
                editor.remove_index(CheckIn, index)
                dropped.append(index)
    try:
        while written < checkins:
            n = min(chunk, checkins - written)
            v_idx = np.searchsorted(cum, rng.random(n))
            p_idx = rng.integers(0, people, size=n)
            secs = (
                rng.integers(0, days, size=n) * 86400
                + rng.choice(24, size=n, p=hour_p) * 3600
                + rng.integers(0, 3600, size=n)
            )
            order = np.argsort(secs, kind="stable")
            v_idx, p_idx, secs = v_idx[order], p_idx[order], secs[order]
            stay = np.clip(rng.lognormal(np.log(40), 0.7, size=n), 3, 600).astype(np.int64) * 60
            has_out = rng.random(n) < checked_out_share
            t_in = (np.int64(epoch0) + secs).astype("datetime64[s]")
            t_out = (np.int64(epoch0) + secs + stay).astype("datetime64[s]")
            s_in = np.datetime_as_string(t_in, unit="s")
            s_out = np.datetime_as_string(t_out, unit="s")
            methods = np.where(rng.random(n) < 0.85, "self", "staff")
            vids = (v_idx + v0).tolist()
            pids = (p_idx + p0).tolist()
            with transaction.atomic():
                if pg:
                    lines = "".join(
                        f"{v}\t{p}\t{a}Z\t{(b + 'Z') if o else chr(92) + 'N'}\t{m}\n"
                        for v, p, a, b, o, m in zip(
                            vids,
                            pids,
                            s_in.tolist(),
                            s_out.tolist(),
                            has_out.tolist(),
                            methods.tolist(),
                            strict=True,
                        )
                    )
                    with connection.cursor() as cur:
                        sql = (
                            f"COPY {CheckIn._meta.db_table} "
                            "(venue_id, person_id, checked_in_at, checked_out_at, method) FROM STDIN"
                        )
                        with cur.cursor.copy(sql) as copy:
                            copy.write(lines)
                else:
                    rows = [
                        (v, p, a.replace("T", " "), b.replace("T", " ") if o else None, m)
                        for v, p, a, b, o, m in zip(
                            vids,
                            pids,
                            s_in.tolist(),
                            s_out.tolist(),
                            has_out.tolist(),
                            methods.tolist(),
                            strict=True,
                        )
                    ]
                    with connection.cursor() as cur:
                        cur.executemany(
                            f"INSERT INTO {CheckIn._meta.db_table} (venue_id, person_id, checked_in_at, "
                            "checked_out_at, method) VALUES (%s, %s, %s, %s, %s)",
                            rows,
                        )
            written += n
            progress.advance(n)
            out(f"synth: {written} check-ins ({time.perf_counter() - began:.1f}s)")
    finally:
        if dropped:
            with connection.cursor() as cur:
                # Inside an outer transaction (tests) the foreign-key checks of the rows are still
                # pending, and PostgreSQL refuses CREATE INDEX until they have run.
                cur.execute("SET CONSTRAINTS ALL IMMEDIATE")
                cur.execute("SET maintenance_work_mem = '1GB'")
            progress.stage("indexes")
            with connection.schema_editor() as editor:
                for index in dropped:
                    editor.add_index(CheckIn, index)
            out(f"synth: indexes rebuilt ({time.perf_counter() - began:.1f}s)")
    with connection.cursor() as cur:
        cur.execute("ANALYZE" if pg else f"ANALYZE {CheckIn._meta.db_table}")
    return SynthReport(venues, people, checkins, first_day, last_day, time.perf_counter() - began)
