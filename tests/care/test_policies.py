"""Home-care eligibility and release by versioned policy (care.policies), per effective date."""

from datetime import date

from epiqr.care import policies
from epiqr.care.policies import (
    PatientFacts,
    home_eligibility,
    home_policy_for,
    release_day,
    release_policy_for,
)


def facts(**kw):
    base = dict(level="mild", spo2=98, respiratory_rate=16, age_months=30 * 12, comorbidities=frozenset(),
                pregnant=False, doses=0)  # fmt: skip
    return PatientFacts(**{**base, **kw})


def words(verdict):
    return [r.format() for r in verdict.reasons]


def test_policy_chosen_by_date():
    assert home_policy_for(date(2021, 8, 20)).name == "qd4038-2021-08-21"  # before the first: the first
    assert home_policy_for(date(2021, 8, 21)).name == "qd4038-2021-08-21"
    assert home_policy_for(date(2022, 1, 30)).name == "qd4038-2021-08-21"
    assert home_policy_for(date(2022, 1, 31)).name == "qd261-2022-01-31"
    for p in (*policies.HOME_POLICIES, *policies.RELEASE_POLICIES):
        assert "QĐ" in p.source or "Bộ Y tế" in p.source
    # what the sources checked could not confirm is said in the source itself, never invented
    assert "CHƯA" in policies.release_policy_for(date(2022, 3, 1)).source
    assert "CHƯA" in home_policy_for(date(2022, 2, 1)).source


def test_spo2_95_is_not_eligible_and_says_why_under_qd_4038():
    v = home_eligibility(home_policy_for(date(2021, 9, 1)), facts(spo2=95))
    assert not v.eligible
    assert words(v) == ["SpO2 95%, the policy needs at least 96%"]


def test_qd_4038_takes_spo2_96_and_a_breathing_rate_of_20():
    """QĐ 4038 (as published 21/8/2021): SpO2 >= 96 % on room air, respiratory rate <= 20 per minute."""
    p = home_policy_for(date(2021, 9, 1))
    assert home_eligibility(p, facts(spo2=96, respiratory_rate=20)).eligible
    assert words(home_eligibility(p, facts(respiratory_rate=21))) == [
        "respiratory rate 21 per minute, the policy needs at most 20"
    ]
    assert home_eligibility(home_policy_for(date(2022, 2, 1)), facts(spo2=96)).eligible


def test_qd_4038_takes_the_vaccinated_whatever_their_age_or_comorbidity_else_under_50_without_risk():
    """Either one dose or more, or all three of: over 1 year and under 50, no listed comorbidity, not
    pregnant."""
    p = home_policy_for(date(2021, 9, 1))
    assert not home_eligibility(p, facts(age_months=50 * 12)).eligible  # 50: not under 50
    assert home_eligibility(p, facts(age_months=49 * 12 + 11)).eligible
    assert home_eligibility(
        p, facts(age_months=65 * 12, comorbidities=frozenset({"diabetes"}), doses=1)
    ).eligible
    assert home_eligibility(p, facts(pregnant=True, doses=2)).eligible
    assert not home_eligibility(p, facts(age_months=6, doses=1)).eligible  # the minimum age still holds


def test_age_and_risk_groups_by_policy():
    old = facts(age_months=65 * 12, comorbidities=frozenset({"diabetes"}))
    v2021 = home_eligibility(home_policy_for(date(2021, 9, 1)), old)
    assert not v2021.eligible
    assert "65 years old and not vaccinated, the policy takes people younger than 50" in words(v2021)
    assert "a listed comorbidity and not vaccinated: the policy excludes it" in words(v2021)
    v2022 = home_eligibility(home_policy_for(date(2022, 2, 1)), old)
    assert words(v2022) == [
        "a listed comorbidity and 0 vaccine doses: the policy needs a full course (2 doses)"
    ]
    assert home_eligibility(
        home_policy_for(date(2022, 2, 1)),
        facts(age_months=65 * 12, comorbidities=frozenset({"diabetes"}), doses=2),
    ).eligible


def test_moderate_and_unmeasured_are_not_eligible():
    v = home_eligibility(home_policy_for(date(2022, 2, 1)), facts(level="moderate", spo2=None))
    assert not v.eligible
    assert "SpO2 not measured" in words(v)


def test_release_ten_days_then_seven_with_a_negative_test():
    p10 = release_policy_for(date(2022, 2, 1))
    p7 = release_policy_for(date(2022, 3, 1))
    assert (p10.days, p7.days) == (10, 7)
    confirmed = date(2022, 3, 1)
    assert policies.release_earliest(p7, confirmed) == date(2022, 3, 8)
    assert release_day(p7, confirmed, None) is None
    assert release_day(p7, confirmed, date(2022, 3, 6)) is None  # a test before the day does not count
    assert release_day(p7, confirmed, date(2022, 3, 9)) == date(2022, 3, 9)
    assert release_day(p10, date(2022, 2, 1), date(2022, 2, 11)) == date(2022, 2, 11)
