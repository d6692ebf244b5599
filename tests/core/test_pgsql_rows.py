"""core.pgsql.rows_insert, the one bulk writer of plain rows: what it writes reads back through the ORM
exactly as given, on both databases (COPY on PostgreSQL, executemany elsewhere)."""

from datetime import UTC, datetime, timedelta

import pytest
from django.db import IntegrityError, transaction

from epiqr.core.models import AuditEvent
from epiqr.core.pgsql import rows_insert
from epiqr.core.timeutil import VN_TZ

FIELDS = ("at", "actor_id", "action", "target_type", "target_id", "reason", "row_count", "detail")

pytestmark = pytest.mark.django_db


def _read() -> list[tuple]:
    return [
        (e.at, e.actor_id, e.action, e.target_type, e.target_id, e.reason, e.row_count, e.detail)
        for e in AuditEvent.objects.order_by("id")
    ]


def test_rows_read_back_as_written_with_text_that_copy_must_escape(make_user):
    user = make_user("admin")
    at = datetime(2026, 12, 3, 9, 30, 15, 123456, tzinfo=UTC)
    hostile = 'tab\there, new\nline, back\\slash, "quotes", comma, \\N, Nguyễn Thị Ánh'
    rows = [
        (at, user.pk, "test.one", "person", "42", hostile, 3, '{"n": 1}'),
        (at, None, "test.two", "", "", "", None, "{}"),  # the same moment again, NULLs
        (at.astimezone(VN_TZ) + timedelta(hours=1), None, "test.three", "", "", "", 0, "[]"),
    ]
    assert rows_insert(AuditEvent, FIELDS, iter(rows)) == 3
    got = _read()
    assert [r[:7] for r in got] == [r[:7] for r in rows]
    assert [r[7] for r in got] == [{"n": 1}, {}, []]
    assert got[2][0] == datetime(2026, 12, 3, 10, 30, 15, 123456, tzinfo=UTC)


def test_field_names_and_attnames_both_name_a_foreign_key(make_user):
    user = make_user("admin")
    at = datetime(2026, 12, 3, tzinfo=UTC)
    row = (at, user.pk, "test.fk", "", "", "", None, "{}")
    rows_insert(AuditEvent, FIELDS, [row])
    rows_insert(AuditEvent, ("at", "actor", *FIELDS[2:]), [row])
    assert [e.actor_id for e in AuditEvent.objects.all()] == [user.pk, user.pk]


def test_many_rows_past_one_executemany_and_none_at_all():
    assert rows_insert(AuditEvent, FIELDS, []) == 0
    start = datetime(2026, 12, 1, tzinfo=UTC)
    rows = (
        (start + timedelta(seconds=i % 50), None, "test.bulk", "", str(i), "", i, "{}") for i in range(20_003)
    )
    assert rows_insert(AuditEvent, FIELDS, rows) == 20_003
    assert AuditEvent.objects.filter(action="test.bulk").count() == 20_003
    last = AuditEvent.objects.get(target_id="20002")
    assert last.row_count == 20_002 and last.at == start + timedelta(seconds=20_002 % 50)


@pytest.mark.postgres_only
def test_binary_rows_read_back_as_written(require_postgres, make_user):
    """binary=True: binary COPY typed by the model's columns (tracing's runs use it), the same rows back:
    text needing no escape, NULLs, microseconds, another time zone; a JSON column takes the object."""
    user = make_user("admin")
    at = datetime(2026, 12, 3, 9, 30, 15, 123456, tzinfo=UTC)
    hostile = 'tab\there, new\nline, back\\slash, "quotes", \\N, Nguyễn Thị Ánh'
    rows = [
        (at, user.pk, "test.one", "person", "42", hostile, 3, {"n": 1}),
        (at.astimezone(VN_TZ) + timedelta(hours=1), None, "test.two", "", "", "", None, []),
    ]
    assert rows_insert(AuditEvent, FIELDS, rows, binary=True) == 2
    assert _read() == rows


def test_columns_read_back_as_written(make_user):
    """columns_insert: numpy columns, no Python object per value (binary COPY laid out by numpy on
    PostgreSQL): integers, times to the microsecond, a column of NULLs, text of every length and script."""
    import numpy as np

    from epiqr.core.models import AuditPerson, Job, JobIssue
    from epiqr.core.pgsql import columns_insert

    user = make_user("admin")
    event = AuditEvent.objects.create(action="test.columns")
    micros = np.array([1_764_754_215_123_456, 0, 1_764_754_215_000_001], dtype=np.int64)
    people = np.array([7, 2**40, 9], dtype=np.int64)
    fields = ("event", "person_id", "actor_id", "at")
    assert columns_insert(AuditPerson, fields, [np.full(3, event.pk), people, None, micros]) == 3
    got = list(AuditPerson.objects.order_by("id").values_list("person_id", "actor_id", "at"))
    epoch = datetime(1970, 1, 1, tzinfo=UTC)
    assert got == [
        (p, None, epoch + timedelta(microseconds=m))
        for p, m in zip(people.tolist(), micros.tolist(), strict=True)
    ]

    job = Job.objects.create(kind="test", owner=user, title="t")
    texts = ["", "tab\there, new\nline, back\\slash, \\N", "Nguyễn Thị Ánh", "x" * 150]
    lines = np.array([1, 2, 3, 4], dtype=np.int64)
    columns = [np.full(4, job.pk), lines, np.array(texts), np.array(texts[::-1])]
    assert columns_insert(JobIssue, ("job", "line", "key", "message"), columns) == 4
    got = list(JobIssue.objects.order_by("line").values_list("line", "key", "message"))
    assert got == list(zip(lines.tolist(), texts, texts[::-1], strict=True))
    assert columns_insert(JobIssue, ("job", "line", "key", "message"), [None, None, None, None]) == 0


def test_columns_refuse_what_they_cannot_lay_out():
    import numpy as np

    from epiqr.core.pgsql import columns_insert

    with pytest.raises(ValueError, match="JSONField"):
        columns_insert(AuditEvent, ("action", "detail"), [np.array(["a"]), np.array(["{}"])])


def test_columns_with_bytes_and_nulls_read_back_as_written(make_user, monkeypatch):
    """columns_insert: a column of bytes (each row its own length: the rows are joined around it), and
    integer columns masked where NULL (numpy masked arrays), next to text and numbers; sent in slices
    (of 3 rows here)."""
    import numpy as np

    from epiqr.core import pgsql
    from epiqr.core.models import Job, JobFile
    from epiqr.core.pgsql import columns_insert

    monkeypatch.setattr(pgsql, "COPY_SLICE", 3)

    job = Job.objects.create(kind="test", owner=make_user("admin"), title="t")
    blobs = [b"", b"\x00\xff\\N\n\t", bytes(range(256)) * 40, b"x"]
    names = np.array(["trống", "lạ", "dài", "x"])
    sizes = np.ma.array([0, 6, 10240, 1], mask=[False, True, False, True], dtype=np.int64)
    fields = ("job", "role", "name", "content_type", "size", "data")
    columns = [np.full(4, job.pk), np.full(4, "result"), names, np.full(4, "application/x"), sizes, blobs]
    with pytest.raises(IntegrityError):  # size is NOT NULL: the masked rows really are NULL
        with transaction.atomic():
            columns_insert(JobFile, fields, columns)
    sizes.mask = [False, False, False, False]
    assert columns_insert(JobFile, fields, columns) == 4
    got = [
        (name, size, bytes(data)) for name, size, data in JobFile.objects.values_list("name", "size", "data")
    ]
    assert got == list(zip(names.tolist(), [0, 6, 10240, 1], blobs, strict=True))

    from epiqr.core.models import AuditPerson

    event = AuditEvent.objects.create(action="test.masked")
    actors = np.ma.array([job.owner_id, 0, job.owner_id], mask=[False, True, False], dtype=np.int64)
    micros = np.zeros(3, dtype=np.int64)
    columns_insert(
        AuditPerson,
        ("event", "person_id", "actor_id", "at"),
        [np.full(3, event.pk), np.arange(3), actors, micros],
    )
    got = list(
        AuditPerson.objects.filter(event=event).order_by("person_id").values_list("actor_id", flat=True)
    )
    assert got == [job.owner_id, None, job.owner_id]
