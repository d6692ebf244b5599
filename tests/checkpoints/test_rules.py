"""The checkpoint's rule as stories: who passes where and when, and why not."""

from dataclasses import replace
from datetime import UTC, date, datetime

import pytest

from epiqr.checkpoints import permit_code as pc
from epiqr.checkpoints.rules import VN_TZ, Place, Reason, permit_check, permit_verify

from .test_permit_code import CLAIM, KEY, KID, OTHER, make

HOAN_KIEM = Place(commune=70, province=1)
ELSEWHERE_IN_HANOI = Place(commune=9999, province=1)
HAI_PHONG = Place(commune=11311, province=31)
KEYS = {KID: KEY.public_key()}


def at(day, hh, mm=0):
    return datetime(2026, 12, day, hh, mm, tzinfo=VN_TZ)


def test_huong_goes_to_work_on_a_thursday_morning():
    """Hương's permit: 1-31 December, Monday to Friday, 06:00-22:00, Hà Nội. Thursday 3rd at 07:30."""
    verdict = permit_verify(make(), keys=KEYS, at=at(3, 7, 30), place=HAI_PHONG.__class__(70, 1))
    assert verdict.valid and verdict.reasons == () and verdict.claim.serial == 4821


def test_the_same_permit_on_sunday_night_outside_the_city():
    reasons = permit_check(CLAIM, at=at(6, 23), place=HAI_PHONG)
    assert reasons == (Reason.WRONG_WEEKDAY, Reason.OUTSIDE_HOURS, Reason.OUTSIDE_AREA)


def test_dates_are_local_days():
    # 31 Dec 23:30 in Hà Nội is 16:30 UTC: still valid (Thursday); 1 Jan 00:10 local is expired.
    late = datetime(2026, 12, 31, 16, 30, tzinfo=UTC)
    all_day = replace(CLAIM, start_minute=0, end_minute=1440)
    assert permit_check(all_day, at=late, place=HOAN_KIEM) == ()
    assert permit_check(all_day, at=datetime(2027, 1, 1, 0, 10, tzinfo=VN_TZ), place=HOAN_KIEM) == (
        Reason.EXPIRED,
    )
    assert permit_check(all_day, at=at(1, 0, 0).replace(day=1, month=12), place=HOAN_KIEM) == ()
    assert permit_check(CLAIM, at=datetime(2026, 11, 30, 9, tzinfo=VN_TZ), place=HOAN_KIEM) == (
        Reason.NOT_YET_VALID,
    )


def test_a_night_shift_belongs_to_the_day_it_starts():
    """A bakery driver: Monday only, 22:00-06:00. Tuesday 05:00 is Monday's shift; Monday 05:00 is not."""
    night = replace(CLAIM, weekdays=0b0000001, start_minute=22 * 60, end_minute=6 * 60)
    assert permit_check(night, at=at(7, 23), place=HOAN_KIEM) == ()  # Monday 7th, 23:00
    assert permit_check(night, at=at(8, 5), place=HOAN_KIEM) == ()  # Tuesday 05:00
    assert permit_check(night, at=at(7, 5), place=HOAN_KIEM) == (Reason.WRONG_WEEKDAY,)  # Sunday's shift
    assert permit_check(night, at=at(8, 12), place=HOAN_KIEM) == (Reason.WRONG_WEEKDAY, Reason.OUTSIDE_HOURS)


def test_area_by_province_or_by_commune():
    only_commune = replace(CLAIM, provinces=(), communes=(70,))
    assert permit_check(only_commune, at=at(3, 8), place=HOAN_KIEM) == ()
    assert permit_check(only_commune, at=at(3, 8), place=ELSEWHERE_IN_HANOI) == (Reason.OUTSIDE_AREA,)
    assert permit_check(CLAIM, at=at(3, 8), place=ELSEWHERE_IN_HANOI) == ()
    assert permit_check(only_commune, at=at(3, 8), place=Place(None, None)) == (Reason.OUTSIDE_AREA,)
    anywhere = replace(CLAIM, provinces=(), communes=())
    assert permit_check(anywhere, at=at(3, 8), place=HAI_PHONG) == ()


def test_the_card_must_be_the_holders():
    assert permit_check(CLAIM, at=at(3, 8), place=HOAN_KIEM, holder_ids=["001087012345"]) == ()
    assert permit_check(CLAIM, at=at(3, 8), place=HOAN_KIEM, holder_ids=["123456789", "001087012345"]) == ()
    assert permit_check(CLAIM, at=at(3, 8), place=HOAN_KIEM, holder_ids=["001087099999"]) == (
        Reason.HOLDER_MISMATCH,
    )


def test_revoked_and_forged():
    assert permit_verify(make(), keys=KEYS, at=at(3, 8), place=HOAN_KIEM, revoked={4821}).reasons == (
        Reason.REVOKED,
    )
    forged = permit_verify(make(key=OTHER), keys=KEYS, at=at(3, 8), place=HOAN_KIEM)
    assert forged.reasons == (Reason.FORGED,) and forged.claim is None
    unknown = permit_verify(make(kid=b"\x09" * 8), keys=KEYS, at=at(3, 8), place=HOAN_KIEM)
    assert unknown.reasons == (Reason.FORGED,) and unknown.detail["why"] == "unknown key"
    cccd = permit_verify("001087012345|||", keys=KEYS, at=at(3, 8), place=HOAN_KIEM)
    assert cccd.reasons == (Reason.NOT_A_PERMIT,)


def test_naive_time_is_refused():
    with pytest.raises(ValueError):
        permit_check(CLAIM, at=datetime(2026, 12, 3, 8), place=HOAN_KIEM)


def test_validity_dates_of_the_claim_survive_encoding():
    assert pc.decode(make()).claim.valid_until == date(2026, 12, 31)
