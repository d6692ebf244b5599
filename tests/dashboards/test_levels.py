"""The epidemic-level policy (QĐ 4800) as a pure function: scenarios as an officer reads them, and properties."""

from datetime import date

from hypothesis import given
from hypothesis import strategies as st

from epiqr.dashboards.levels import (
    POLICIES,
    QD_4800,
    Beds,
    PlaceWeek,
    Policy,
    assess,
    band_level,
    capacity_check,
    policy_for,
)


def codes(a):
    return [r.code for r in a.reasons]


def test_a_ward_of_50000_with_9_cases_and_good_coverage_is_level_1():
    # 9 cases / 50,000 people = 18 per 100,000 in a week: under the first band (20).
    a = assess(PlaceWeek(new_cases=9, population=50_000, adult_coverage=0.85), QD_4800)
    assert a.level == 1 and round(a.rate, 1) == 18.0 and codes(a) == ["rate", "capacity_unknown"]


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
    assert a.level == 3 and codes(a) == ["rate", "coverage_low", "capacity_unknown"]
    assert a.reasons[1].values["coverage"] == 55.0 and a.reasons[1].values["threshold"] == 70.0
    assert assess(PlaceWeek(400, 100_000, 0.1), QD_4800).level == 4


def test_unreported_coverage_counts_as_not_reached_and_says_so():
    a = assess(PlaceWeek(new_cases=0, population=20_000), QD_4800)
    assert a.level == 2 and codes(a) == ["rate", "coverage_unknown", "capacity_unknown"]


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


# --- Criterion 3: treatment capacity, from the province's beds (thresholds set by the deployment)

RULE = QD_4800.capacity


def test_capacity_is_met_with_enough_icu_beds_per_100000_and_enough_free_beds():
    """A province of 1,000,000 people: 50 ICU beds is 5 per 100,000 (at least 4), 300 of 1,000 beds free is
    30% (at least 20%): met. 30 ICU beds (3 per 100,000), or 100 beds free (10%): not met."""
    assert capacity_check(Beds(total=1000, free=300, icu=50), 1_000_000, RULE).ok is True
    assert capacity_check(Beds(total=1000, free=300, icu=30), 1_000_000, RULE).ok is False
    assert capacity_check(Beds(total=1000, free=100, icu=50), 1_000_000, RULE).ok is False
    edge = capacity_check(Beds(total=100, free=20, icu=40), 1_000_000, RULE)
    assert edge.ok is True and edge.icu_per_100k == 4.0 and edge.free_share == 0.2  # thresholds included
    # Nothing on record: not reported, never a failure.
    assert capacity_check(None, 1_000_000, RULE) is None
    assert capacity_check(Beds(0, 0, 0), 1_000_000, RULE) is None
    assert capacity_check(Beds(10, 5, 1), None, RULE) is None
    # Over-reserved beds (free below zero) count as none free.
    assert capacity_check(Beds(total=100, free=-3, icu=40), 1_000_000, RULE).free_share == 0.0


def test_the_thresholds_are_said_to_be_the_deployments_not_the_decisions():
    assert RULE.set_by == "deployment" and "criterion 3" in RULE.source and "4800" in RULE.source
    week = PlaceWeek(
        25, 100_000, 0.9, previous_level=4, capacity=capacity_check(Beds(100, 5, 1), 1_000_000, RULE)
    )
    a = assess(week, QD_4800)
    failed = next(r for r in a.reasons if r.code == "capacity_failed")
    assert failed.values["set_by"] == "deployment" and failed.values["icu"] == 0.1
    assert a.level == 4 and codes(a)[-1] == "capacity_kept"  # not lowered from 4 although criterion 1 says 2
    assert (
        assess(PlaceWeek(25, 100_000, 0.9, previous_level=4), QD_4800).reasons[-1].code == "capacity_unknown"
    )


def test_a_met_capacity_lets_the_level_fall():
    met = capacity_check(Beds(1000, 400, 80), 1_000_000, RULE)
    a = assess(PlaceWeek(25, 100_000, 0.9, previous_level=4, capacity=met), QD_4800)
    assert a.level == 2 and "capacity_met" in codes(a) and "capacity_kept" not in codes(a)


@given(weeks, st.integers(0, 2000), st.integers(0, 2000), st.integers(0, 300))
def test_a_failing_capacity_never_lowers_the_level(week, total, free, icu):
    verdict = capacity_check(Beds(total, min(free, total), icu), week.population, RULE)
    with_beds = PlaceWeek(
        week.new_cases, week.population, week.adult_coverage, None, week.previous_level, verdict
    )
    a = assess(with_beds, QD_4800)
    if verdict is not None and not verdict.ok and week.previous_level is not None:
        assert a.level >= week.previous_level
    if verdict is None or verdict.ok:
        assert (
            a.level == assess(PlaceWeek(week.new_cases, week.population, week.adult_coverage), QD_4800).level
        )
