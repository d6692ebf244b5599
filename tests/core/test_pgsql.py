"""Array parameters built as text reach PostgreSQL as the values they were made from."""

import uuid
from datetime import UTC, datetime, timedelta
from zoneinfo import ZoneInfo

import pytest
from django.db import connection

from epiqr.core.pgsql import array_literal, int_array_literal, time_array_literal


def test_literals_for_each_kind_of_element():
    when = datetime(2026, 11, 22, 8, 30, 15, 250, tzinfo=UTC)
    ident = uuid.UUID("12345678-1234-5678-1234-567812345678")
    assert int_array_literal([3, -1, 10**12]) == "{3,-1,1000000000000}"
    assert array_literal([True, False, None]) == "{t,f,NULL}"
    assert array_literal([ident, when, "batch"]) == (
        '{12345678-1234-5678-1234-567812345678,2026-11-22T08:30:15.000250+00:00,"batch"}'
    )
    assert array_literal(['a "b"', "c\\d"]) == r'{"a \"b\"","c\\d"}'
    assert array_literal([]) == "{}" and int_array_literal(()) == "{}"
    # The typed ones write what array_literal writes.
    assert array_literal([ident, ident]) == f"{{{ident},{ident}}}"
    assert time_array_literal(iter([when])) == array_literal([when]) and time_array_literal([]) == "{}"


@pytest.mark.postgres_only
def test_postgresql_reads_them_back_unchanged(require_postgres):
    vn = ZoneInfo("Asia/Ho_Chi_Minh")
    times = [datetime(2026, 11, 22, 23, 59, 59, 999999, tzinfo=vn), datetime(2026, 1, 1, tzinfo=UTC)]
    ids = [uuid.uuid4(), uuid.uuid4()]
    with connection.cursor() as cur:
        cur.execute(
            "SELECT %s::bigint[], %s::timestamptz[], %s::uuid[], %s::boolean[], %s::varchar[]",
            [
                int_array_literal([1, 2**40]),
                time_array_literal(times),
                array_literal(ids),
                array_literal([True, None, False]),
                array_literal(["self", "batch", 'Phố "Huế", số {1}', "NULL", " a\\b "]),
            ],
        )
        ints, got_times, got_ids, flags, words = cur.fetchone()
    assert (
        ints == [1, 2**40]
        and got_ids == ids
        and flags == [True, None, False]
        and words == ["self", "batch", 'Phố "Huế", số {1}', "NULL", " a\\b "]
    )
    assert got_times == times and got_times[0] - got_times[1] > timedelta(days=300)
