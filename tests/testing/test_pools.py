"""Pool resolution and Dorfman advice: pure functions, checked as properties over many random pools."""

import pytest
from hypothesis import given
from hypothesis import strategies as st

from epiqr.testing.pools import (
    Outcome,
    Result,
    dorfman_advice,
    dorfman_tests_per_person,
    resolve_tube,
    resolve_tubes,
    tube_outcome,
)

people = st.lists(st.integers(min_value=1, max_value=10_000), min_size=1, max_size=30, unique=True)
results = st.sampled_from(Result.ALL)


@given(members=people)
def test_every_member_of_a_negative_pool_is_negative(members):
    resolution = resolve_tube(result=Result.NEGATIVE, members=members)
    assert set(resolution.outcomes) == set(members)
    assert set(resolution.outcomes.values()) == {Outcome.NEGATIVE}
    assert resolution.confirmed == () and resolution.recall == ()


@given(members=st.lists(st.integers(), min_size=2, max_size=30, unique=True))
def test_no_member_of_a_positive_pool_is_confirmed_without_an_individual_test(members):
    resolution = resolve_tube(result=Result.POSITIVE, members=members)
    assert Outcome.POSITIVE not in resolution.outcomes.values()
    assert resolution.confirmed == ()
    assert set(resolution.recall) == set(members)
    assert set(resolution.outcomes.values()) == {Outcome.POOL_POSITIVE}


@given(person=st.integers())
def test_an_individual_positive_is_a_confirmed_positive(person):
    resolution = resolve_tube(result=Result.POSITIVE, members=[person])
    assert resolution.outcomes == {person: Outcome.POSITIVE}
    assert resolution.confirmed == (person,)
    assert resolution.recall == ()


@given(members=people)
def test_an_invalid_tube_sends_everyone_back_for_a_new_swab(members):
    resolution = resolve_tube(result=Result.INVALID, members=members)
    assert set(resolution.outcomes.values()) == {Outcome.RESAMPLE}
    assert set(resolution.recall) == set(members)
    assert resolution.confirmed == ()


@given(tubes=st.lists(st.tuples(results, people), min_size=1, max_size=20))
def test_many_tubes_confirm_only_people_tested_alone_positive(tubes):
    resolution = resolve_tubes(tubes)
    last = {}
    for result, members in tubes:
        for m in members:
            last[m] = (result, len(members))
    for person, outcome in resolution.outcomes.items():
        result, size = last[person]
        assert outcome == tube_outcome(result=result, member_count=size)
        if outcome == Outcome.POSITIVE:
            assert result == Result.POSITIVE and size == 1
    assert set(resolution.confirmed) == {p for p, o in resolution.outcomes.items() if o == Outcome.POSITIVE}


def test_duplicate_scans_of_one_person_count_once():
    # The same person scanned twice into a tube is one swab: a "pool" of one is an individual test.
    assert resolve_tube(result=Result.POSITIVE, members=[7, 7]).confirmed == (7,)


def test_unknown_result_is_refused():
    with pytest.raises(ValueError):
        resolve_tube(result="maybe", members=[1])
    with pytest.raises(ValueError):
        tube_outcome(result=Result.NEGATIVE, member_count=0)


def test_dorfman_expected_tests_match_the_formula():
    # 1% prevalence, pools of 10: 1/10 + 1 - 0.99^10 = 0.1956...
    assert dorfman_tests_per_person(prevalence=0.01, pool_size=10) == pytest.approx(0.19562, abs=1e-5)
    assert dorfman_tests_per_person(prevalence=0.3, pool_size=1) == 1.0


@pytest.mark.parametrize(
    ("prevalence", "size"),
    [(0.001, 20), (0.01, 11), (0.02, 8), (0.05, 5), (0.1, 4), (0.2, 3), (0.35, 1)],
)
def test_dorfman_advice_known_optima(prevalence, size):
    advice = dorfman_advice(prevalence=prevalence)
    assert advice.pool_size == size
    assert advice.tests_per_person == pytest.approx(
        dorfman_tests_per_person(prevalence=prevalence, pool_size=size)
    )


@given(p=st.floats(min_value=0.0, max_value=1.0))
def test_advice_is_never_worse_than_individual_testing_or_any_other_size(p):
    advice = dorfman_advice(prevalence=p)
    assert advice.tests_per_person <= 1.0
    for k in range(1, 21):
        assert advice.tests_per_person <= dorfman_tests_per_person(prevalence=p, pool_size=k) + 1e-12


def test_bad_prevalence_is_refused():
    with pytest.raises(ValueError):
        dorfman_tests_per_person(prevalence=1.5, pool_size=5)
