"""The epidemic-level policy (QĐ 4800) as a pure function: scenarios as an officer reads them, and properties."""

from datetime import date

from hypothesis import given
from hypothesis import strategies as st

from epiqr.dashboards.levels import POLICIES, QD_4800, PlaceWeek, Policy, assess, band_level, policy_for


def codes(a):
    return [r.code for r in a.reasons]


def test_a_ward_of_50000_with_9_cases_and_good_coverage_is_level_1():
    # 9 cases / 50,000 people = 18 per 100,000 in a week: under the first band (20).
    a = assess(PlaceWeek(new_cases=9, population=50_000, adult_coverage=0.85), QD_4800)
    assert a.level == 1 and round(a.rate, 1) == 18.0 and codes(a) == ["rate"]


def test_the_band_edges_of_criterion_1():
    # rate exactly at a band's bound belongs to the next band ("from 20 to under 50" is level 2).
    per = 100_000
    assert [band_level(r, QD_4800) for r in (0, 19.99, 20, 49.99, 50, 149.99, 150, 10_000)] == [
        1,
        1,
        2,
        2,
        3,
        3,
        4,
        4,
    ]
    assert assess(PlaceWeek(20, per, 0.9), QD_4800).level == 2
    assert assess(PlaceWeek(150, per, 0.9), QD_4800).level == 4


def test_low_coverage_raises_by_one_but_never_past_4():
    a = assess(PlaceWeek(new_cases=30, population=100_000, adult_coverage=0.55), QD_4800)
    assert a.level == 3 and codes(a) == ["rate", "coverage_low"]
    assert a.reasons[1].values["coverage"] == 55.0 and a.reasons[1].values["threshold"] == 70.0
    assert assess(PlaceWeek(400, 100_000, 0.1), QD_4800).level == 4


def test_unreported_coverage_counts_as_not_reached_and_says_so():
    a = assess(PlaceWeek(new_cases=0, population=20_000), QD_4800)
    assert a.level == 2 and codes(a) == ["rate", "coverage_unknown"]


def test_a_commune_failing_capacity_is_not_lowered_when_its_cases_fall():
    """Phường A was level 4; its cases fall to level 2 figures, but its treatment capacity fails: it stays 4.
    The same commune with capacity met goes down to 2; with capacity not reported it goes down too."""
    week = dict(new_cases=25, population=100_000, adult_coverage=0.9, previous_level=4)
    assert assess(PlaceWeek(**week, capacity_ok=False), QD_4800).level == 4
    assert codes(assess(PlaceWeek(**week, capacity_ok=False), QD_4800))[-1] == "capacity_kept"
    assert assess(PlaceWeek(**week, capacity_ok=True), QD_4800).level == 2
    assert assess(PlaceWeek(**week), QD_4800).level == 2


def test_no_population_no_level():
    a = assess(PlaceWeek(new_cases=5, population=None), QD_4800)
    assert a.level is None and a.rate is None and codes(a) == ["no_population"]


def test_the_policy_is_chosen_by_date():
    later = Policy("later", "a later decision", date(2022, 1, 27), (10.0, 40.0, 100.0), 0.8)
    policies = (QD_4800, later)
    assert policy_for(date(2021, 12, 31), policies) is QD_4800
    assert policy_for(date(2022, 1, 27), policies) is later
    assert policy_for(date(2020, 1, 1), policies) is QD_4800  # before every policy: the first
    assert all(p.source for p in POLICIES)  # every policy cites its source


weeks = st.builds(
    PlaceWeek,
    new_cases=st.integers(0, 5000),
    population=st.integers(1, 2_000_000),
    adult_coverage=st.none() | st.floats(0, 1),
    capacity_ok=st.none() | st.booleans(),
    previous_level=st.none() | st.integers(1, 4),
)


@given(weeks)
def test_the_level_is_between_1_and_4_and_never_below_criterion_1(week):
    a = assess(week, QD_4800)
    assert a.level in (1, 2, 3, 4)
    assert a.level >= band_level(a.rate, QD_4800)
    if week.capacity_ok is False and week.previous_level is not None:
        assert a.level >= week.previous_level


@given(weeks, st.integers(1, 500))
def test_more_cases_never_lower_the_level(week, more):
    worse = PlaceWeek(
        week.new_cases + more, week.population, week.adult_coverage, week.capacity_ok, week.previous_level
    )
    assert assess(worse, QD_4800).level >= assess(week, QD_4800).level


@given(weeks)
def test_better_coverage_never_raises_the_level(week):
    better = PlaceWeek(week.new_cases, week.population, 1.0, week.capacity_ok, week.previous_level)
    assert assess(better, QD_4800).level <= assess(week, QD_4800).level
