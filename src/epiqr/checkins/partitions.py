"""Day partitions of the check-in table on PostgreSQL (docs/deployment.md, "The check-in table by day").

On PostgreSQL the check-in table is partitioned by range of `checked_in_at`, one partition per local
(Vietnam) day, so retention drops whole days instead of deleting rows, and a day's indexes stay small.
SQLite, the embedded default, keeps the plain table: every function here does nothing there.

- Partitions are created ahead by the scheduler (`checkins.partitions`, daily, DAYS_AHEAD days);
  a check-in for a day without one (a backdated import, a test in 2021) lands in the DEFAULT partition,
  and moves into its day's partition when that partition is created.
- A table that existed before partitioning is attached whole as one partition (`..._before`), without
  copying a row; retention drops it once its last day is older than the retention period.
- The per-item idempotency key (`client_id`) cannot be unique on a partitioned table unless it carries
  the partition key. Each partition holds a unique index of its own on it (`<partition>_client`), which
  is enough for the live visits' keys: a visit key names a 5-minute slot, and a slot lies within one local
  day (models.LIVE_METHODS). The keys phones and imports choose can come with any time, so for those rows
  a receipts table holds the key across days: the trigger installed here takes a receipt for each new
  one before the row is stored, and skips the row (as ON CONFLICT DO NOTHING did) when another check-in
  with that client id exists. A concurrent insert of the same key waits on the receipt's unique index,
  so two racing uploads still store one row.
- Tracing exposures and tracing runs refer to check-ins by id without a foreign key; so do the
  phone's own check-ins (`DeviceCheckIn`, deleted here with their day).
"""

import re
from dataclasses import dataclass
from datetime import date, datetime, timedelta

from django.db import connection, transaction

from epiqr.core.timeutil import local, local_today, start_of_local_day

from .models import LIVE_METHODS, CheckIn, CheckInReceipt, DeviceCheckIn
from .rules import retention_days

TABLE = CheckIn._meta.db_table
RECEIPTS = CheckInReceipt._meta.db_table
DEFAULT = f"{TABLE}_default"
BEFORE = f"{TABLE}_before"
DAYS_AHEAD = 7
# Indexes of the partitioned table (created on the parent, so every partition gets them).
INDEXES = {
    # Covering: tracing's reads around a visit (who was at this venue within the hour) come from the
    # index alone, no visit to the table's pages (0006_venue_cover; VENUE_COVER below).
    "checkin_venue_cover": "(venue_id, checked_in_at) INCLUDE (person_id, id, checked_out_at)",
    "checkin_person_time": "(person_id, checked_in_at)",
}
# The parent's client-id index before each partition held a unique one (migration 0007).
PARENT_CLIENT_INDEX = "checkin_client"
RECEIPT_FUNCTION = "checkins_receipt_take"
RECEIPT_TRIGGER = "checkin_receipt"
# A unique index on (id, checked_in_at) an operator may build CONCURRENTLY on a large plain table before
# migrating, so that the migration does not build the partitioned table's primary key under its lock.
PREBUILT_KEY = "checkin_id_time"
_BOUND = re.compile(r"FROM \((.+?)\) TO \((.+?)\)")


def _postgres() -> bool:
    return connection.vendor == "postgresql"


def _literal(moment: datetime) -> str:
    """A bound as SQL text: DDL takes no parameters (the moments are computed here, never user input)."""
    return f"'{moment.isoformat()}'"


def partition_name(day: date) -> str:
    return f"{TABLE}_{day:%Y%m%d}"


def day_bounds(day: date) -> tuple[datetime, datetime]:
    """A partition holds one local day: [its midnight, the next midnight) in Vietnam time."""
    return start_of_local_day(day), start_of_local_day(day + timedelta(days=1))


@dataclass(frozen=True)
class Partition:
    name: str
    lower: datetime | None  # None: MINVALUE
    upper: datetime | None  # None: the DEFAULT partition


def _bound(text: str) -> datetime | None:
    text = text.strip()
    if text.upper() in ("MINVALUE", "MAXVALUE"):
        return None
    value = text.strip("'")
    if re.search(r"[+-]\d\d$", value):  # PostgreSQL writes "+00"; fromisoformat wants "+00:00"
        value += ":00"
    return datetime.fromisoformat(value)


def table_partitioned() -> bool:
    if not _postgres():
        return False
    with connection.cursor() as cur:
        cur.execute("SELECT 1 FROM pg_partitioned_table WHERE partrelid = to_regclass(%s)", [TABLE])
        return cur.fetchone() is not None


def partitions_list() -> list[Partition]:
    """The partitions of the check-in table, oldest first, the DEFAULT partition last."""
    with connection.cursor() as cur:
        cur.execute(
            "SELECT c.relname, pg_get_expr(c.relpartbound, c.oid) FROM pg_inherits i "
            "JOIN pg_class c ON c.oid = i.inhrelid WHERE i.inhparent = to_regclass(%s)",
            [TABLE],
        )
        rows = cur.fetchall()
    found = []
    for name, bound in rows:
        match = _BOUND.search(bound)
        if match is None:
            found.append(Partition(name, None, None))
        else:
            found.append(Partition(name, _bound(match.group(1)), _bound(match.group(2))))
    far = datetime.max.replace(tzinfo=start_of_local_day(local_today()).tzinfo)
    return sorted(found, key=lambda p: (p.upper is None, p.upper or far))


def partition_create(*, day: date) -> bool:
    """Create the partition of one local day unless its range is already covered; check-ins of that day
    waiting in the DEFAULT partition move into it. True when a partition was created. Safe to run from
    two processes at once (one creates, the other finds it)."""
    start, end = day_bounds(day)
    name = partition_name(day)
    with transaction.atomic(), connection.cursor() as cur:
        cur.execute("SELECT pg_advisory_xact_lock(hashtext(%s))", [TABLE])
        for p in partitions_list():
            if p.upper is not None and (p.lower is None or p.lower < end) and start < p.upper:
                return False
        # No insert may reach DEFAULT between the move and the attach, which checks DEFAULT holds no row
        # of the new range (partitions are made a week ahead, so this waits on nothing in practice).
        cur.execute(f"LOCK TABLE {DEFAULT} IN EXCLUSIVE MODE")
        # Built beside the table and attached, so rows of that day already in DEFAULT can move in: a new
        # partition may not be created while DEFAULT holds rows of its range.
        cur.execute(f"CREATE TABLE {name} (LIKE {TABLE} INCLUDING DEFAULTS INCLUDING CONSTRAINTS)")
        cur.execute(
            f"WITH moved AS (DELETE FROM {DEFAULT} WHERE checked_in_at >= %s AND checked_in_at < %s "
            f"RETURNING *) INSERT INTO {name} SELECT * FROM moved",
            [start, end],
        )
        _client_key_create(cur, name)
        cur.execute(
            f"ALTER TABLE {TABLE} ATTACH PARTITION {name} FOR VALUES FROM ({_literal(start)}) TO ({_literal(end)})"
        )
    return True


def client_key_name(partition: str) -> str:
    return f"{partition}_client"


def _client_key_create(cur, partition: str, *, concurrently: bool = False) -> None:
    """The partition's own unique index on the client id (see the module's docstring)."""
    how = "CONCURRENTLY " if concurrently else ""
    cur.execute(
        f"CREATE UNIQUE INDEX {how}IF NOT EXISTS {client_key_name(partition)} ON {partition} (client_id)"
    )


def partitions_ensure(*, today: date | None = None, days_ahead: int = DAYS_AHEAD) -> list[str]:
    """Partitions for today and the next `days_ahead` local days (the scheduler runs it daily). The
    names of those created; nothing on SQLite or on a table not partitioned. A partition without its
    unique client-id index (one made by a scheduler of a version before migration 0007 while the new one
    was deployed: days ahead, so empty or nearly) gets it here."""
    if not table_partitioned():
        return []
    today = today or local_today()
    created = []
    for offset in range(days_ahead + 1):
        day = today + timedelta(days=offset)
        if partition_create(day=day):
            created.append(partition_name(day))
    with connection.cursor() as cur:
        for p in partitions_list():
            cur.execute("SELECT to_regclass(%s) IS NULL", [client_key_name(p.name)])
            if cur.fetchone()[0]:
                _client_key_create(cur, p.name)
    return created


@dataclass
class DroppedDays:
    partitions: list[str]
    checkins: int
    device_checkins: int
    receipts: int


def partitions_drop_before(*, cutoff: datetime) -> DroppedDays:
    """Retention on a partitioned table: detach and drop every partition whose whole range lies before
    `cutoff`, with the phone links of its check-ins, and the receipts older than `cutoff`. Rows older
    than `cutoff` in partitions that reach past it (DEFAULT, `..._before`) are left to the row purge."""
    dropped = DroppedDays([], 0, 0, 0)
    devices = DeviceCheckIn._meta.db_table
    for p in partitions_list():
        if p.upper is None or p.upper > cutoff:
            continue
        with transaction.atomic(), connection.cursor() as cur:
            # Foreign-key checks still deferred in this transaction would forbid the DROP.
            cur.execute("SET CONSTRAINTS ALL IMMEDIATE")
            cur.execute(f"SELECT count(*) FROM {p.name}")
            dropped.checkins += cur.fetchone()[0]
            cur.execute(f"DELETE FROM {devices} d USING {p.name} c WHERE d.checkin_id = c.id")
            dropped.device_checkins += cur.rowcount
            cur.execute(f"ALTER TABLE {TABLE} DETACH PARTITION {p.name}")
            cur.execute(f"DROP TABLE {p.name}")
        dropped.partitions.append(p.name)
    with connection.cursor() as cur:
        cur.execute(f"DELETE FROM {RECEIPTS} WHERE checked_in_at < %s", [cutoff])
        dropped.receipts = cur.rowcount
    return dropped


def _receipt_trigger_sql(*, spare_live: bool = True) -> list[str]:
    """The receipts trigger: only rows whose key may come with any time take a receipt; a live visit's key
    is held by its day partition's unique index (the WHEN clause spares those rows the function call).
    `spare_live=False` is the trigger before migration 0007, which receipted every key."""
    assert all(m.isalpha() for m in LIVE_METHODS)  # constants of the model, written into the DDL
    when = "NEW.client_id IS NOT NULL"
    if spare_live:
        when += " AND NEW.method NOT IN ({})".format(", ".join(f"'{m}'" for m in sorted(LIVE_METHODS)))
    return [
        f"""CREATE OR REPLACE FUNCTION {RECEIPT_FUNCTION}() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    IF NEW.client_id IS NULL THEN
        RETURN NEW;
    END IF;
    INSERT INTO {RECEIPTS} (client_id, checked_in_at) VALUES (NEW.client_id, NEW.checked_in_at)
        ON CONFLICT (client_id) DO NOTHING;
    IF FOUND THEN
        RETURN NEW;
    END IF;
    -- A receipt exists: skip the row if its check-in is still stored. Not the row itself: an UPDATE
    -- that moves a check-in to another day's partition re-inserts it with the same id. The receipt is
    -- locked first: scans racing to replace a deleted check-in wait here for each other, and each looks
    -- for the row with a fresh snapshot once the one before it has committed, so one of them stores it.
    PERFORM 1 FROM {RECEIPTS} WHERE client_id = NEW.client_id FOR UPDATE;
    IF EXISTS (SELECT 1 FROM {TABLE} WHERE client_id = NEW.client_id AND id <> NEW.id) THEN
        RETURN NULL;
    END IF;
    RETURN NEW;
END $$""",
        f"DROP TRIGGER IF EXISTS {RECEIPT_TRIGGER} ON {TABLE}",
        f"CREATE TRIGGER {RECEIPT_TRIGGER} BEFORE INSERT ON {TABLE} FOR EACH ROW "
        f"WHEN ({when}) EXECUTE FUNCTION {RECEIPT_FUNCTION}()",
    ]


def _parent_create(cur) -> None:
    """The partitioned table itself: the model's columns, its indexes and foreign keys, no partition."""
    cur.execute(
        f"CREATE TABLE {TABLE} (LIKE {BEFORE} INCLUDING DEFAULTS, PRIMARY KEY (id, checked_in_at)) "
        "PARTITION BY RANGE (checked_in_at)"
    )
    cur.execute(f"ALTER TABLE {TABLE} ALTER id ADD GENERATED BY DEFAULT AS IDENTITY")
    for name, columns in INDEXES.items():
        cur.execute(f"CREATE INDEX {name} ON {TABLE} {columns}")
    for column, target in (("venue_id", "venues_venue"), ("person_id", "people_person")):
        cur.execute(
            f"ALTER TABLE {TABLE} ADD CONSTRAINT {TABLE}_{column}_fk FOREIGN KEY ({column}) "
            f"REFERENCES {target} (id) DEFERRABLE INITIALLY DEFERRED"
        )


def _sequence_set(cur, value: tuple) -> None:
    cur.execute("SELECT pg_get_serial_sequence(%s, 'id')", [TABLE])
    cur.execute("SELECT setval(%s, %s, %s)", [cur.fetchone()[0], *value])


def _sequence_value(cur) -> tuple:
    cur.execute("SELECT pg_get_serial_sequence(%s, 'id')", [TABLE])
    cur.execute(f"SELECT last_value, is_called FROM {cur.fetchone()[0]}")
    return cur.fetchone()


def _before_attach(cur, *, boundary: datetime) -> None:
    """Attach the old table whole as the partition of everything before `boundary`: no row copied; its
    primary key is rebuilt with the time (the one index a partitioned table needs that it lacks); its
    unique client id stays, as the partition's own (renamed, not rebuilt)."""
    cur.execute(
        "SELECT k.conname, k.contype = 'u' AND k.conkey = ARRAY[a.attnum] FROM pg_constraint k "
        "JOIN pg_attribute a ON a.attrelid = k.conrelid AND a.attname = 'client_id' "
        "WHERE k.conrelid = to_regclass(%s) AND k.contype IN ('p', 'u', 'f')",
        [BEFORE],
    )
    for name, is_client_key in cur.fetchall():
        if is_client_key:
            cur.execute(f"ALTER TABLE {BEFORE} RENAME CONSTRAINT {name} TO {client_key_name(BEFORE)}")
        else:
            cur.execute(f"ALTER TABLE {BEFORE} DROP CONSTRAINT {name}")
    cur.execute(f"ALTER TABLE {BEFORE} ALTER id DROP IDENTITY IF EXISTS")
    cur.execute("SELECT to_regclass(%s) IS NOT NULL", [PREBUILT_KEY])
    if cur.fetchone()[0]:  # built beforehand while the app ran (docs/deployment.md): no rebuild here
        cur.execute(
            f"ALTER TABLE {BEFORE} ADD CONSTRAINT {BEFORE}_pkey PRIMARY KEY USING INDEX {PREBUILT_KEY}"
        )
    else:
        cur.execute(f"ALTER TABLE {BEFORE} ADD PRIMARY KEY (id, checked_in_at)")
    # The CHECK lets ATTACH skip scanning the old table; it is dropped once attached.
    cur.execute(
        f"ALTER TABLE {BEFORE} ADD CONSTRAINT {BEFORE}_range CHECK (checked_in_at < {_literal(boundary)})"
    )
    cur.execute(
        f"ALTER TABLE {TABLE} ATTACH PARTITION {BEFORE} FOR VALUES FROM (MINVALUE) TO ({_literal(boundary)})"
    )
    cur.execute(f"ALTER TABLE {BEFORE} DROP CONSTRAINT {BEFORE}_range")
    # Indexes of the old table that did not become the partition's copy of a parent index (the
    # single-column foreign-key indexes the composite ones cover) only slow its writes down.
    cur.execute(
        "SELECT i.relname FROM pg_index x JOIN pg_class i ON i.oid = x.indexrelid "
        "WHERE x.indrelid = to_regclass(%s) AND NOT EXISTS (SELECT 1 FROM pg_inherits h WHERE h.inhrelid = i.oid) "
        "AND NOT EXISTS (SELECT 1 FROM pg_constraint k WHERE k.conindid = i.oid)",
        [BEFORE],
    )
    for (index,) in cur.fetchall():
        cur.execute(f"DROP INDEX {index}")
    _client_key_create(cur, BEFORE)
    _receipts_take(cur, BEFORE)


def _receipts_take(cur, table: str, *, spare_live: bool = True) -> None:
    """Receipts for the stored keys of `table` that need one (the rows the trigger would receipt)."""
    cur.execute(
        f"INSERT INTO {RECEIPTS} (client_id, checked_in_at) SELECT DISTINCT ON (client_id) client_id, "
        f"checked_in_at FROM {table} WHERE client_id IS NOT NULL AND NOT method = ANY(%s) "
        "ORDER BY client_id, checked_in_at ON CONFLICT (client_id) DO NOTHING",
        [sorted(LIVE_METHODS) if spare_live else []],
    )


def table_partition(*, today: date | None = None, days_ahead: int = DAYS_AHEAD) -> None:
    """Turn the plain check-in table into the partitioned one, keeping every row and id (migration 0005).

    An empty table (a new install) gets day partitions from the retention period's first day to
    `days_ahead` days ahead. A table with rows is attached whole as the partition `..._before`, up to the
    start of tomorrow (or of the day after its newest row), without copying a row: retention drops it
    once that day is past the retention period, and days from there on get their own partitions.
    Receipts are taken for its client ids. On a large table, see docs/deployment.md first."""
    if not _postgres() or table_partitioned():
        return
    today = today or local_today()
    with connection.cursor() as cur:
        cur.execute(f"SELECT max(checked_in_at) FROM {TABLE}")
        newest = cur.fetchone()[0]
        sequence = _sequence_value(cur)
        cur.execute(
            "SELECT i.relname FROM pg_index x JOIN pg_class i ON i.oid = x.indexrelid "
            "WHERE x.indrelid = to_regclass(%s) AND NOT x.indisprimary AND NOT x.indisunique",
            [TABLE],
        )
        plain_indexes = [r[0] for r in cur.fetchall()]
        cur.execute(f"ALTER TABLE {TABLE} RENAME TO {BEFORE}")
        for index in plain_indexes:  # index names are the schema's: the parent's take the old ones
            cur.execute(f"ALTER INDEX {index} RENAME TO {index}_before")
        _parent_create(cur)
        _sequence_set(cur, sequence)
        if newest is None:
            cur.execute(f"DROP TABLE {BEFORE}")
            first_day = today - timedelta(days=retention_days())
        else:
            first_day = max(today, local(newest).date()) + timedelta(days=1)
            _before_attach(cur, boundary=start_of_local_day(first_day))
        cur.execute(f"CREATE TABLE {DEFAULT} PARTITION OF {TABLE} DEFAULT")
        _client_key_create(cur, DEFAULT)
        cur.execute(f"CREATE INDEX IF NOT EXISTS {RECEIPTS}_time ON {RECEIPTS} USING brin (checked_in_at)")
        for sql in _receipt_trigger_sql():
            cur.execute(sql)
    day = first_day
    while day <= today + timedelta(days=days_ahead):
        partition_create(day=day)
        day += timedelta(days=1)


def table_unpartition() -> None:
    """Undo table_partition (migrating back to 0004): one plain table with every row, its id sequence,
    its unique client id and its indexes as they were."""
    if not _postgres() or not table_partitioned():
        return
    plain = f"{TABLE}_plain"
    with connection.cursor() as cur:
        sequence = _sequence_value(cur)
        cur.execute(f"CREATE TABLE {plain} (LIKE {TABLE} INCLUDING DEFAULTS)")
        cur.execute(f"INSERT INTO {plain} SELECT * FROM {TABLE}")
        cur.execute(f"DROP TABLE {TABLE} CASCADE")
        cur.execute(f"DROP FUNCTION IF EXISTS {RECEIPT_FUNCTION}()")
        cur.execute(f"ALTER TABLE {plain} RENAME TO {TABLE}")
        cur.execute(f"ALTER TABLE {TABLE} ADD PRIMARY KEY (id)")
        cur.execute(f"ALTER TABLE {TABLE} ALTER id ADD GENERATED BY DEFAULT AS IDENTITY")
        _sequence_set(cur, sequence)
        cur.execute(f"ALTER TABLE {TABLE} ADD CONSTRAINT {TABLE}_client_id_key UNIQUE (client_id)")
        for name, columns in INDEXES.items():
            cur.execute(f"CREATE INDEX {name} ON {TABLE} {columns}")
        for column, target in (("venue_id", "venues_venue"), ("person_id", "people_person")):
            cur.execute(
                f"ALTER TABLE {TABLE} ADD CONSTRAINT {TABLE}_{column}_fk FOREIGN KEY ({column}) "
                f"REFERENCES {target} (id) DEFERRABLE INITIALLY DEFERRED"
            )
        cur.execute(f"DROP INDEX IF EXISTS {RECEIPTS}_time")


VENUE_COVER = "checkin_venue_cover"


def venue_cover_build() -> None:
    """PostgreSQL: the covering venue index built partition by partition, CONCURRENTLY (check-ins keep
    being written meanwhile; outside a transaction), attached to an index created on the parent ONLY,
    then the index it replaces dropped. Safe to run again after an interruption: what exists is kept (an
    invalid half-built index is built again)."""
    columns = INDEXES[VENUE_COVER]
    with connection.cursor() as cur:
        cur.execute(f"CREATE INDEX IF NOT EXISTS {VENUE_COVER} ON ONLY {TABLE} {columns}")
        cur.execute(
            "SELECT c.relname FROM pg_inherits i JOIN pg_class c ON c.oid = i.inhrelid "
            "WHERE i.inhparent = %s::regclass ORDER BY 1",
            [TABLE],
        )
        for (partition,) in cur.fetchall():
            # A partition made after the parent index (or attached since) already has its copy.
            cur.execute(
                "SELECT 1 FROM pg_inherits i JOIN pg_index x ON x.indexrelid = i.inhrelid "
                "WHERE i.inhparent = %s::regclass AND x.indrelid = %s::regclass",
                [VENUE_COVER, partition],
            )
            if cur.fetchone():
                continue
            index = f"{partition}_venue_cover"
            cur.execute("SELECT indisvalid FROM pg_index WHERE indexrelid = to_regclass(%s)", [index])
            found = cur.fetchone()
            if found and not found[0]:  # left half-built by an interrupted run
                cur.execute(f"DROP INDEX {index}")
            if not found or not found[0]:
                cur.execute(f"CREATE INDEX CONCURRENTLY {index} ON {partition} {columns}")
            cur.execute(f"ALTER INDEX {VENUE_COVER} ATTACH PARTITION {index}")
        cur.execute("DROP INDEX IF EXISTS checkin_venue_time")


def client_keys_build() -> None:
    """PostgreSQL, migration 0007: each partition's own unique client-id index, built CONCURRENTLY partition
    by partition while check-ins go on being written (outside a transaction); then the parent's client-id
    index goes and the receipts trigger spares live visits. Safe to run again after an interruption (an
    invalid half-built index is built again). The receipts live visits took before stay until they expire."""
    with connection.cursor() as cur:
        for p in partitions_list():
            index = client_key_name(p.name)
            cur.execute("SELECT indisvalid FROM pg_index WHERE indexrelid = to_regclass(%s)", [index])
            found = cur.fetchone()
            if found and not found[0]:  # left half-built by an interrupted run
                cur.execute(f"DROP INDEX {index}")
            if not found or not found[0]:
                _client_key_create(cur, p.name, concurrently=True)
        cur.execute(f"DROP INDEX IF EXISTS {PARENT_CLIENT_INDEX}")
        for sql in _receipt_trigger_sql():
            cur.execute(sql)


def client_keys_drop() -> None:
    """Undo client_keys_build (migrating back to 0006): the parent's client-id index again, receipts for the
    live visits' keys, and the trigger receipting every key. The partitions keep their unique indexes."""
    with connection.cursor() as cur:
        cur.execute(f"CREATE INDEX IF NOT EXISTS {PARENT_CLIENT_INDEX} ON {TABLE} (client_id)")
        _receipts_take(cur, TABLE, spare_live=False)
        for sql in _receipt_trigger_sql(spare_live=False):
            cur.execute(sql)


def migrate_forward(apps, schema_editor) -> None:
    table_partition()


def migrate_backward(apps, schema_editor) -> None:
    table_unpartition()
