"""The check-in table partitioned by local day on PostgreSQL (checkins/partitions.py): rows land in their
day, partitions are created ahead and take the rows waiting for them, retention drops whole days, the
per-item idempotency key holds (a phone's across days, a live visit's in its day's partition), and an
existing table migrates without losing a row."""

import uuid
from datetime import timedelta

import pytest
from django.db import IntegrityError, connection, transaction
from django.utils import timezone

from epiqr.checkins import partitions, tasks
from epiqr.checkins.models import (
    LIVE_METHODS,
    CheckIn,
    CheckInReceipt,
    DeviceCheckIn,
    Method,
    VenueDailyCount,
)
from epiqr.checkins.rules import visit_key
from epiqr.checkins.services import checkins_purge
from epiqr.checkins.store import Row, rows_insert, rows_stored, visit_insert
from epiqr.core.timeutil import local, local_today, start_of_local_day
from epiqr.people.models import Device
from tests.factories import PersonFactory

pytestmark = pytest.mark.postgres_only


def _home(checkin_id: int) -> str:
    """The partition a check-in is stored in."""
    with connection.cursor() as cur:
        cur.execute(f"SELECT tableoid::regclass::text FROM {partitions.TABLE} WHERE id = %s", [checkin_id])
        return cur.fetchone()[0]


def _names() -> set[str]:
    return {p.name for p in partitions.partitions_list()}


def _visit(venue, person, at, client_id=None, method=Method.SELF) -> CheckIn:
    return CheckIn.objects.create(
        venue=venue, person=person, checked_in_at=at, method=method, client_id=client_id
    )


def _client_keys() -> dict[str, bool]:
    """{partition: whether it has its own unique index on client_id alone}."""
    with connection.cursor() as cur:
        cur.execute(
            "SELECT c.relname, bool_or(x.indisunique AND x.indisvalid AND x.indnatts = 1 AND a.attname = 'client_id') "
            "FROM pg_inherits h JOIN pg_class c ON c.oid = h.inhrelid "
            "LEFT JOIN pg_index x ON x.indrelid = c.oid "
            "LEFT JOIN pg_attribute a ON a.attrelid = c.oid AND a.attnum = x.indkey[0] "
            "WHERE h.inhparent = to_regclass(%s) GROUP BY c.relname",
            [partitions.TABLE],
        )
        return {name: bool(unique) for name, unique in cur.fetchall()}


def _receipted(venue, person, method) -> bool:
    """Whether a new row of `method` takes a receipt now."""
    row = _visit(venue, person, timezone.now(), uuid.uuid4(), method)
    return CheckInReceipt.objects.filter(client_id=row.client_id).exists()


def test_sqlite_keeps_the_plain_table(db):
    if connection.vendor == "postgresql":
        assert partitions.table_partitioned()
    else:
        assert not partitions.table_partitioned() and partitions.partitions_ensure() == []


def test_a_check_in_lands_in_its_local_day(require_postgres, venue):
    today = local_today()
    assert {partitions.partition_name(today + timedelta(days=d)) for d in range(8)} <= _names()
    person = PersonFactory()
    # 23:30 Vietnam time is 16:30 UTC the same date; 00:30 the next local day is still the UTC day before
    late = start_of_local_day(today) + timedelta(hours=23, minutes=30)
    early = start_of_local_day(today + timedelta(days=1)) + timedelta(minutes=30)
    assert _home(_visit(venue, person, late).pk) == partitions.partition_name(today)
    assert _home(_visit(venue, person, early).pk) == partitions.partition_name(today + timedelta(days=1))
    assert _home(_visit(venue, person, timezone.now().replace(year=2021)).pk) == partitions.DEFAULT


def test_a_new_day_takes_the_rows_waiting_for_it_in_default(require_postgres, venue):
    day = local_today() + timedelta(days=40)
    person = PersonFactory()
    waiting = _visit(venue, person, start_of_local_day(day) + timedelta(hours=9), client_id=uuid.uuid4())
    other = _visit(venue, person, start_of_local_day(day + timedelta(days=1)) + timedelta(hours=9))
    assert _home(waiting.pk) == partitions.DEFAULT
    assert partitions.partition_create(day=day) is True
    assert partitions.partition_create(day=day) is False  # already there
    assert _home(waiting.pk) == partitions.partition_name(day)
    assert _home(other.pk) == partitions.DEFAULT
    moved = CheckIn.objects.get(pk=waiting.pk)
    assert (moved.client_id, moved.checked_in_at) == (waiting.client_id, waiting.checked_in_at)
    assert CheckIn.objects.count() == 2


def test_the_daily_job_creates_the_week_ahead_once(require_postgres):
    later = local_today() + timedelta(days=60)
    created = partitions.partitions_ensure(today=later)
    assert created == [partitions.partition_name(later + timedelta(days=d)) for d in range(8)]
    assert partitions.partitions_ensure(today=later) == []
    # a day made by a scheduler from before migration 0007 (no unique client id of its own) gets it
    with connection.cursor() as cur:
        cur.execute(f"DROP INDEX {partitions.client_key_name(partitions.partition_name(later))}")
    assert not _client_keys()[partitions.partition_name(later)]
    assert partitions.partitions_ensure(today=later) == []
    assert all(_client_keys().values())
    assert tasks.partitions_create.func() == []  # today's week exists since the migration


def test_retention_drops_whole_days_with_their_phone_links_and_receipts(require_postgres, venue, settings):
    settings.EPIQR_RETENTION_DAYS = 21
    today = local_today()
    old_day = today - timedelta(days=30)
    partitions.partition_create(day=old_day)
    person, device = PersonFactory(), Device.objects.create(key_hash="a" * 64)
    batch = Method.BATCH  # keys a phone chose: each takes a receipt
    old = [
        _visit(venue, person, start_of_local_day(old_day) + timedelta(hours=h), uuid.uuid4(), batch)
        for h in (8, 12, 20)
    ]
    DeviceCheckIn.objects.create(checkin_id=old[0].pk, device=device)
    in_default = _visit(venue, person, timezone.now().replace(year=2021), uuid.uuid4(), batch)
    recent = _visit(venue, person, timezone.now() - timedelta(days=2), uuid.uuid4(), batch)
    DeviceCheckIn.objects.create(checkin_id=recent.pk, device=device)

    report = checkins_purge()

    assert report.checkins == 4
    assert partitions.partition_name(old_day) not in _names()
    assert list(CheckIn.objects.values_list("pk", flat=True)) == [recent.pk]
    assert list(DeviceCheckIn.objects.values_list("checkin_id", flat=True)) == [recent.pk]
    assert set(CheckInReceipt.objects.values_list("client_id", flat=True)) == {recent.client_id}
    assert in_default.pk not in CheckIn.objects.values_list("pk", flat=True)
    assert VenueDailyCount.objects.get(venue=venue, day=old_day).checkins == 3  # rolled up before the drop
    assert partitions.partition_name(today) in _names()


def test_a_client_id_is_stored_once_whatever_the_day(require_postgres, venue):
    person = PersonFactory()
    key = uuid.uuid4()
    first = Row(0, key, venue.pk, person.pk, timezone.now() - timedelta(days=3), None)
    again = Row(0, key, venue.pk, person.pk, timezone.now() - timedelta(hours=1), None)
    stored = rows_insert([first])
    assert rows_insert([again]) == {}  # another day's partition: still the same key
    assert CheckIn.objects.filter(client_id=key).count() == 1
    assert rows_stored([key])[key][0] == stored[key]
    # the key is free again once its check-in is gone (as with a unique column)
    CheckIn.objects.filter(client_id=key).delete()
    assert list(rows_insert([again])) == [key]


def test_a_live_visit_key_is_held_by_its_day_and_takes_no_receipt(require_postgres, venue):
    """A live visit's key names a 5-minute slot, so its day partition's unique index holds it: a visit of
    the same key in that day (one the window no longer sees, as a racing station's) is not stored, and no
    receipt is written for it."""
    person = PersonFactory()
    at = timezone.now() - timedelta(hours=1)
    key = visit_key(venue_id=venue.pk, person_id=person.pk, at=at)
    moved = at - timedelta(minutes=6)  # out of the duplicate window, in the same local day
    if local(moved).date() != local(at).date():
        moved = at + timedelta(minutes=6)
    assert set(LIVE_METHODS) == {Method.SELF, Method.STAFF}
    for method in LIVE_METHODS:
        CheckIn.objects.filter(client_id=key).delete()
        visit = dict(
            venue_id=venue.pk, person_id=person.pk, method=method, has_symptoms=None, unless_isolated=False
        )
        first = visit_insert(at=at, **visit)
        assert first is not None and CheckIn.objects.get(pk=first).client_id == key
        CheckIn.objects.filter(pk=first).update(checked_in_at=moved)
        assert visit_insert(at=at, **visit) is None
        assert CheckIn.objects.filter(client_id=key).count() == 1
        assert not _receipted(venue, person, method)
    assert not CheckInReceipt.objects.filter(client_id=key).exists()
    assert _receipted(venue, person, Method.BATCH) and _receipted(venue, person, Method.IMPORT)
    assert all(_client_keys().values()) and partitions.DEFAULT in _client_keys()
    with pytest.raises(AssertionError):  # a live visit never goes through the batch insert
        rows_insert([Row(0, uuid.uuid4(), venue.pk, person.pk, at, None, Method.STAFF)])


def test_moving_a_check_in_to_another_day_keeps_it(require_postgres, venue):
    visit = _visit(venue, PersonFactory(), timezone.now() - timedelta(hours=1), uuid.uuid4(), Method.BATCH)
    CheckIn.objects.filter(pk=visit.pk).update(checked_in_at=visit.checked_in_at - timedelta(days=2))
    moved = CheckIn.objects.get(pk=visit.pk)
    assert moved.client_id == visit.client_id
    assert _home(visit.pk) == partitions.partition_name(local(moved.checked_in_at).date())


def _migrate(target) -> None:
    from django.db.migrations.executor import MigrationExecutor

    executor = MigrationExecutor(connection)
    executor.loader.build_graph()
    executor.migrate([target])


LATEST = ("checkins", "0007_client_keys_per_day")


@pytest.mark.django_db(transaction=True)
def test_an_existing_table_is_attached_whole(require_postgres, venue):
    """Migrating back to the plain table and forward again: every row and id kept, the old table
    attached as one partition without copying, its unique client id kept as the partition's own (not
    rebuilt), receipts taken for the phones' client ids, ids continue."""
    person = PersonFactory()
    try:
        _migrate(("checkins", "0004_merge_20261203_1826"))
        assert not partitions.table_partitioned()
        key, live_key = uuid.uuid4(), uuid.uuid4()
        with connection.cursor() as cur:
            cur.execute(
                f"INSERT INTO {partitions.TABLE} (venue_id, person_id, checked_in_at, method, client_id) "
                "VALUES (%s, %s, now() - interval '3 days', 'batch', %s), (%s, %s, now(), 'self', NULL), "
                "(%s, %s, now() - interval '2 days', 'staff', %s) RETURNING id",
                [venue.pk, person.pk, key, venue.pk, person.pk, venue.pk, person.pk, live_key],
            )
            ids = sorted(r[0] for r in cur.fetchall())
            # built beforehand, as docs/deployment.md advises for a large table: the migration reuses it
            cur.execute(
                f"CREATE UNIQUE INDEX {partitions.PREBUILT_KEY} ON {partitions.TABLE} (id, checked_in_at)"
            )
            cur.execute(
                "SELECT %s::regclass::oid, conindid FROM pg_constraint WHERE conrelid = %s::regclass "
                "AND contype = 'u'",
                [partitions.PREBUILT_KEY, partitions.TABLE],
            )
            prebuilt = set(cur.fetchone())
    finally:
        _migrate(LATEST)
    assert partitions.table_partitioned()
    assert sorted(CheckIn.objects.values_list("pk", flat=True)) == ids
    assert {_home(i) for i in ids} == {partitions.BEFORE}
    assert CheckInReceipt.objects.filter(client_id=key).exists()
    assert not CheckInReceipt.objects.filter(client_id=live_key).exists()
    with connection.cursor() as cur:
        cur.execute("SELECT indexrelid FROM pg_index WHERE indrelid = %s::regclass", [partitions.BEFORE])
        assert prebuilt <= {r[0] for r in cur.fetchall()}  # the same indexes: not rebuilt
        cur.execute("SELECT to_regclass(%s)::oid", [partitions.client_key_name(partitions.BEFORE)])
        assert cur.fetchone()[0] in prebuilt
    assert _client_keys()[partitions.BEFORE]
    assert rows_insert([Row(0, key, venue.pk, person.pk, timezone.now(), None)]) == {}
    with pytest.raises(IntegrityError), transaction.atomic():  # the old table's unique key still holds
        _visit(venue, person, timezone.now() - timedelta(days=2, minutes=1), live_key, Method.STAFF)
    fresh = _visit(venue, person, timezone.now() + timedelta(days=2))
    assert fresh.pk > max(ids)
    assert _home(fresh.pk) == partitions.partition_name(local_today() + timedelta(days=2))
    # leave the day partitions a new install has for the tests that follow
    with connection.cursor() as cur:
        cur.execute(f"DROP TABLE {partitions.BEFORE}")
    for offset in range(-21, 1):
        partitions.partition_create(day=local_today() + timedelta(days=offset))


@pytest.mark.django_db(transaction=True)
def test_the_client_keys_move_to_the_day_partitions(require_postgres, venue):
    """An install from before 0007 (the parent's client-id index, every key receipted) migrates: each
    partition gets its own unique index, the parent's goes, the trigger spares live visits; run again (an
    interrupted migration) it changes nothing; back to 0006 every live key is receipted again."""
    person = PersonFactory()
    live = _visit(venue, person, timezone.now() - timedelta(hours=2), uuid.uuid4(), Method.STAFF)
    try:
        _migrate(("checkins", "0006_venue_cover"))
        assert CheckInReceipt.objects.filter(client_id=live.client_id).exists()
        assert _receipted(venue, person, Method.STAFF)
        with connection.cursor() as cur:
            cur.execute("SELECT to_regclass(%s)", [partitions.PARENT_CLIENT_INDEX])
            assert cur.fetchone()[0] is not None
            # a partition from before 0007 has no index of its own
            cur.execute(f"DROP INDEX {partitions.client_key_name(partitions.DEFAULT)}")
        assert not _client_keys()[partitions.DEFAULT]
    finally:
        _migrate(LATEST)
    keys = _client_keys()
    assert all(keys.values()) and set(keys) == {p.name for p in partitions.partitions_list()}
    partitions.client_keys_build()
    assert _client_keys() == keys
    with connection.cursor() as cur:
        cur.execute("SELECT to_regclass(%s)", [partitions.PARENT_CLIENT_INDEX])
        assert cur.fetchone()[0] is None
    assert not _receipted(venue, person, Method.STAFF) and _receipted(venue, person, Method.BATCH)
    with pytest.raises(IntegrityError), transaction.atomic():  # the day's partition holds the live key
        _visit(venue, person, live.checked_in_at, live.client_id, Method.STAFF)


@pytest.mark.django_db(transaction=True)
def test_two_schedulers_creating_one_day_create_it_once(require_postgres):
    from concurrent.futures import ThreadPoolExecutor

    day = local_today() + timedelta(days=90)

    def create(_):
        try:
            return partitions.partition_create(day=day)
        finally:
            connection.close()

    with ThreadPoolExecutor(max_workers=2) as pool:
        results = sorted(pool.map(create, range(2)))
    assert results == [False, True]
    assert partitions.partition_name(day) in _names()


@pytest.mark.django_db(transaction=True)
def test_the_venue_index_becomes_covering_partition_by_partition(require_postgres, venue):
    """An install from before 0006 has (venue, time, person) on every partition: the covering index is
    built on each partition while writes go on and attached to the parent, the old one dropped; a second
    run (an interrupted migration run again) changes nothing; a read around a visit then uses the index
    alone."""
    person = PersonFactory()
    _visit(venue, person, timezone.now() - timedelta(days=1))
    with connection.cursor() as cur:
        cur.execute(f"DROP INDEX {partitions.VENUE_COVER}")
        cur.execute(
            f"CREATE INDEX checkin_venue_time ON {partitions.TABLE} (venue_id, checked_in_at, person_id)"
        )

    def covered() -> dict[str, bool]:
        with connection.cursor() as cur:
            cur.execute(
                "SELECT c.relname, x.indisvalid FROM pg_inherits i JOIN pg_index x ON x.indexrelid = i.inhrelid "
                "JOIN pg_class c ON c.oid = x.indrelid WHERE i.inhparent = %s::regclass",
                [partitions.VENUE_COVER],
            )
            return dict(cur.fetchall())

    partitions.venue_cover_build()
    first = covered()
    assert set(first) == {p.name for p in partitions.partitions_list()} and all(first.values())
    partitions.venue_cover_build()
    assert covered() == first
    with connection.cursor() as cur:
        cur.execute("SELECT to_regclass('checkin_venue_time')")
        assert cur.fetchone()[0] is None
        cur.execute(f"VACUUM {partitions.partition_name(local_today() - timedelta(days=1))}")
        cur.execute("SET enable_seqscan = off")
        cur.execute(
            f"EXPLAIN SELECT person_id, id, checked_out_at FROM {partitions.TABLE} WHERE venue_id = %s "
            "AND checked_in_at BETWEEN now() - interval '2 days' AND now()",
            [venue.pk],
        )
        plan = " ".join(r[0] for r in cur.fetchall())
        cur.execute("RESET enable_seqscan")
    assert "Index Only Scan" in plan and partitions.VENUE_COVER.replace("checkin_", "") in plan
