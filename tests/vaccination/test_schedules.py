"""Schedules as versioned data: which dose is next, and when, for any history (no database)."""

from datetime import date, timedelta

import pytest
from hypothesis import given
from hypothesis import strategies as st

from epiqr.vaccination import schedules
from epiqr.vaccination.schedules import PRODUCTS, PriorDose, next_dose, policy_for


def test_every_policy_cites_its_source_and_they_are_in_date_order():
    days = [p.effective for p in schedules.POLICIES]
    assert days == sorted(days)
    for p in schedules.POLICIES:
        assert "BYT" in p.source
        assert set(p.primary) == set(PRODUCTS)
        for code, intervals in p.primary.items():
            assert len(intervals) == PRODUCTS[code].primary_doses - 1


def test_products_carry_the_dcc_value_set_codes():
    assert PRODUCTS["PFIZER"].mp == "EU/1/20/1528" and PRODUCTS["PFIZER"].ma == "ORG-100030215"
    assert PRODUCTS["PFIZER"].vp == "1119349007"
    assert PRODUCTS["AZ"].mp == "EU/1/21/1529"
    assert PRODUCTS["VEROCELL"].mp == "BBIBP-CorV"
    assert PRODUCTS["ABDALA"].ma == "CIGB" and PRODUCTS["ABDALA"].primary_doses == 3


def test_the_policy_in_force_is_chosen_by_date():
    assert policy_for(date(2021, 9, 1)).booster_after_primary is None
    assert policy_for(date(2021, 12, 1)).name == "vn-2021-11-booster"
    assert policy_for(date(2022, 6, 1)).booster_after_booster is not None
    assert policy_for(date(2020, 1, 1)) is schedules.POLICIES[0]


def test_lan_gets_astrazeneca_twice_and_a_pfizer_booster():
    """Lan had AstraZeneca on 1 August 2021. Her second dose is allowed from 26 September (8 weeks),
    recommended by 24 October (12 weeks); on 20 September it is too early."""
    first = [PriorDose(date(2021, 8, 1), "AZ")]
    p = policy_for(date(2021, 9, 20))
    early = next_dose(p, "AZ", first, date(2021, 9, 20))
    assert (early.number, early.too_early, early.earliest, early.recommended) == (
        2,
        True,
        date(2021, 9, 26),
        date(2021, 10, 24),
    )
    assert not next_dose(p, "AZ", first, date(2021, 9, 26)).too_early
    # Her booster: none in the schedule of October 2021, three months after dose 2 from 30 November.
    both = [*first, PriorDose(date(2021, 10, 1), "AZ")]
    october = next_dose(policy_for(date(2021, 10, 30)), "PFIZER", both, date(2021, 10, 30))
    assert october.booster and october.earliest is None and october.too_early
    december = next_dose(policy_for(date(2021, 12, 31)), "PFIZER", both, date(2021, 12, 31))
    assert december.booster and not december.too_early and december.number == 3
    assert december.earliest == date(2021, 12, 30) and december.series_doses == 3


def test_abdala_has_three_primary_doses_two_weeks_apart():
    p = policy_for(date(2021, 10, 1))
    history = [PriorDose(date(2021, 10, 1), "ABDALA"), PriorDose(date(2021, 10, 15), "ABDALA")]
    advice = next_dose(p, "ABDALA", history, date(2021, 10, 28))
    assert (advice.number, advice.booster, advice.too_early, advice.series_doses) == (3, False, True, 3)
    assert not next_dose(p, "ABDALA", history, date(2021, 10, 29)).too_early


def test_a_first_dose_is_never_too_early():
    advice = next_dose(policy_for(date(2021, 8, 1)), "JANSSEN", [], date(2021, 8, 1))
    assert (advice.number, advice.too_early, advice.series_doses) == (1, False, 1)


@given(
    gaps=st.lists(st.integers(min_value=0, max_value=400), max_size=6),
    product=st.sampled_from(sorted(PRODUCTS)),
    start=st.dates(min_value=date(2021, 1, 1), max_value=date(2023, 1, 1)),
    wait=st.integers(min_value=0, max_value=400),
)
def test_any_history_gives_advice_and_the_earliest_day_is_never_too_early(gaps, product, start, wait):
    history, day = [], start
    for gap in gaps:
        day += timedelta(days=gap)
        history.append(PriorDose(day, product))
    on = day + timedelta(days=wait)
    advice = next_dose(policy_for(on), product, history, on)
    assert advice.number == len(history) + 1
    assert advice.series_doses >= 1
    if advice.earliest is not None:
        assert advice.earliest >= day
        assert advice.too_early == (on < advice.earliest)
        assert not next_dose(policy_for(on), product, history, max(on, advice.earliest)).too_early
    else:
        assert advice.too_early


@pytest.mark.parametrize("code", sorted(c for c, p in PRODUCTS.items() if p.primary_doses > 1))
def test_the_second_dose_waits_at_least_the_minimum_interval(code):
    first = [PriorDose(date(2021, 9, 1), code)]
    interval = policy_for(date(2021, 9, 1)).primary[code][0]
    assert next_dose(
        policy_for(date(2021, 9, 2)),
        code,
        first,
        date(2021, 9, 1) + timedelta(days=interval.minimum_days - 1),
    ).too_early
