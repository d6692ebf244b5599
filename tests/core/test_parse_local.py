"""core.timeutil.parse_local, the one reader of moments people and devices write (check-in scans and
imports, lab results, venue sheets)."""

from datetime import UTC, date, datetime, timedelta, timezone

import pytest

from epiqr.core.timeutil import SHEET_FORMATS, VN_TZ, parse_local


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("2021-09-15T14:30:00+07:00", datetime(2021, 9, 15, 7, 30, tzinfo=UTC)),
        ("2021-09-15T07:30:00Z", datetime(2021, 9, 15, 7, 30, tzinfo=UTC)),
        ("2021-09-15 14:30", datetime(2021, 9, 15, 7, 30, tzinfo=UTC)),  # no offset: Vietnam time
        ("  2021-09-15T14:30:00.250  ", datetime(2021, 9, 15, 7, 30, 0, 250000, tzinfo=UTC)),
        ("2021-09-15", datetime(2021, 9, 14, 17, 0, tzinfo=UTC)),  # a day is its local midnight
        ("2021-09-15T14:30:00+0700", datetime(2021, 9, 15, 7, 30, tzinfo=UTC)),
    ],
)
def test_iso_8601_with_or_without_an_offset(text, expected):
    got = parse_local(text)
    assert got == expected and got.tzinfo is not None


def test_day_first_sheet_forms_only_where_asked():
    assert parse_local("15/09/2021 14:30", formats=SHEET_FORMATS) == datetime(
        2021, 9, 15, 14, 30, tzinfo=VN_TZ
    )
    assert parse_local("15-09-2021", formats=SHEET_FORMATS) == datetime(2021, 9, 15, tzinfo=VN_TZ)
    with pytest.raises(ValueError):
        parse_local("15/09/2021 14:30")  # a device's scan time is ISO 8601 only


def test_datetimes_and_dates_as_given():
    naive = datetime(2021, 9, 15, 14, 30)
    assert parse_local(naive) == naive.replace(tzinfo=VN_TZ)
    other = datetime(2021, 9, 15, 14, 30, tzinfo=timezone(timedelta(hours=-5)))
    assert parse_local(other) is other
    assert parse_local(date(2021, 9, 15)) == datetime(2021, 9, 15, tzinfo=VN_TZ)


@pytest.mark.parametrize(
    "value",
    [
        "",
        "   ",
        "tomorrow",
        "2021-02-31 10:00",
        "31/02/2021",
        "10:20",
        "2021-09-15 10:20\x00junk",
        None,
        20210915,
        4.5,
    ],
)
def test_anything_else_is_a_value_error(value):
    with pytest.raises(ValueError):
        parse_local(value, formats=SHEET_FORMATS)
