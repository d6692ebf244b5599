"""Weekdays and hours as organisations write them in their sheets."""

import pytest
from hypothesis import given
from hypothesis import strategies as st

from epiqr.checkpoints.schedule import (
    ALL_WEEK,
    ScheduleError,
    hours_parse,
    hours_text,
    weekdays_parse,
    weekdays_text,
)

MON_FRI = 0b0011111


@pytest.mark.parametrize(
    "text, mask",
    [
        ("T2-T6", MON_FRI),
        ("2-6", MON_FRI),
        ("Thứ 2 - Thứ 6", MON_FRI),
        ("thứ hai", None),
        ("T2, T4, T6", 0b0010101),
        ("T7, CN", 0b1100000),
        ("Chủ nhật", 0b1000000),
        ("cả tuần", ALL_WEEK),
        ("Hàng ngày", ALL_WEEK),
        ("", ALL_WEEK),
        ("Mon-Fri", MON_FRI),
        ("sat and sun", 0b1100000),
        ("T6-T2", 0b1110001),
        ("T9", None),
        ("abc", None),
    ],
)
def test_weekdays(text, mask):
    if mask is None:
        with pytest.raises(ScheduleError):
            weekdays_parse(text)
    else:
        assert weekdays_parse(text) == mask


@given(st.integers(min_value=1, max_value=127))
def test_weekdays_text_reads_back(mask):
    assert weekdays_parse(weekdays_text(mask)) == mask


@pytest.mark.parametrize(
    "text, hours",
    [
        ("06:00-22:00", (360, 1320)),
        ("6h-22h", (360, 1320)),
        ("6:30 - 17", (390, 1020)),
        ("22:00-06:00", (1320, 360)),
        ("cả ngày", (0, 1440)),
        ("0-24", (0, 1440)),
        ("6h đến 18h", (360, 1080)),
        ("25:00-26:00", None),
        ("08:00-08:00", None),
        ("sáng", None),
    ],
)
def test_hours(text, hours):
    if hours is None:
        with pytest.raises(ScheduleError):
            hours_parse(text)
    else:
        assert hours_parse(text) == hours


def test_hours_text():
    assert hours_text(360, 1320) == "06:00-22:00"
    assert hours_parse(hours_text(1320, 360)) == (1320, 360)
