"""The rules as data: priorities, deadlines, team kinds and the rule set chosen by date (no database)."""

from datetime import date

import pytest
from hypothesis import given
from hypothesis import strategies as st

from epiqr.hotline import rules
from epiqr.hotline.rules import Facts, PriorityRule, RuleSet, decide, ruleset_for

V1 = rules.HN_1022_V1


def test_an_f0_with_a_warning_sign_is_urgent_whatever_the_category():
    for category in rules.CATEGORIES:
        d = decide(Facts(category=category, active_case=True, warning_sign=True), V1)
        assert d.priority == rules.URGENT
        assert d.reason == "An F0 with a warning sign"


def test_an_f0_asking_for_care_without_a_warning_sign_is_high_within_two_hours():
    d = decide(Facts(category=rules.F0_CARE, active_case=True), V1)
    assert (d.priority, d.deadline_minutes, d.team_kind) == (rules.HIGH, 120, rules.TEAM_MEDICAL)


def test_an_emergency_is_urgent_within_fifteen_minutes_for_the_medical_team():
    d = decide(Facts(category=rules.EMERGENCY), V1)
    assert (d.priority, d.deadline_minutes, d.team_kind) == (rules.URGENT, 15, rules.TEAM_MEDICAL)


def test_food_for_a_vulnerable_person_comes_before_food_for_others():
    old = decide(Facts(category=rules.SUPPLIES, vulnerable=True), V1)
    young = decide(Facts(category=rules.SUPPLIES), V1)
    assert old.priority == rules.HIGH and young.priority == rules.NORMAL
    assert old.deadline_minutes < young.deadline_minutes
    assert old.team_kind == young.team_kind == rules.TEAM_COMMUNE


def test_alerts_from_home_care_are_high_and_severe_ones_urgent():
    assert decide(Facts(category=rules.F0_CARE, source=rules.SYSTEM, severity=1), V1).priority == rules.HIGH
    assert decide(Facts(category=rules.F0_CARE, source=rules.SYSTEM, severity=2), V1).priority == rules.URGENT


def test_questions_about_permits_and_vaccination_are_low_and_answered_at_the_centre():
    for category in (rules.PERMITS, rules.VACCINATION):
        d = decide(Facts(category=category), V1)
        assert d.priority == rules.LOW and d.deadline_minutes == 72 * 60
    assert decide(Facts(category=rules.VACCINATION), V1).team_kind == rules.TEAM_CENTRE


def test_the_first_matching_rule_wins():
    ruleset = RuleSet(
        name="t", version=1, effective_from=date(2021, 1, 1), source="test",
        rules=(PriorityRule(rules.LOW, "first", categories=frozenset({rules.OTHER})),
               PriorityRule(rules.URGENT, "second", categories=frozenset({rules.OTHER}))),
        default=rules.NORMAL, deadline_minutes={0: 1, 1: 2, 2: 3, 3: 4},
    )  # fmt: skip
    assert decide(Facts(category=rules.OTHER), ruleset).reason == "first"
    assert decide(Facts(category=rules.SUPPLIES), ruleset).priority == rules.NORMAL


def test_the_rule_set_in_force_is_chosen_by_date():
    later = RuleSet(
        name="hn-1022", version=2, effective_from=date(2022, 1, 31), source="test", rules=(),
        default=rules.NORMAL, deadline_minutes={0: 10, 1: 60, 2: 600, 3: 6000},
    )  # fmt: skip
    both = (V1, later)
    assert ruleset_for(date(2021, 12, 31), both) is V1
    assert ruleset_for(date(2022, 1, 31), both) is later
    assert ruleset_for(date(2020, 1, 1), both) is V1  # before any: the first one
    assert ruleset_for(date(2026, 12, 3)) is rules.HN_1022_V2  # same effective date, later version


def test_a_rule_set_refuses_a_missing_deadline_or_an_unknown_priority():
    with pytest.raises(ValueError):
        RuleSet(name="x", version=1, effective_from=date(2021, 1, 1), source="", rules=(), default=2,
                deadline_minutes={0: 1, 1: 2, 2: 3})  # fmt: skip
    with pytest.raises(ValueError):
        RuleSet(name="x", version=1, effective_from=date(2021, 1, 1), source="", rules=(), default=7,
                deadline_minutes={0: 1, 1: 2, 2: 3, 3: 4})  # fmt: skip
    with pytest.raises(ValueError):
        decide(Facts(category="pizza"), V1)


def test_vulnerable_age_is_65_or_more_this_year():
    assert rules.is_vulnerable_age(birth_year=1961, today=date(2026, 1, 1))
    assert not rules.is_vulnerable_age(birth_year=1962, today=date(2026, 12, 31))
    assert not rules.is_vulnerable_age(birth_year=None, today=date(2026, 1, 1))


facts = st.builds(
    Facts,
    category=st.sampled_from(rules.CATEGORIES),
    source=st.sampled_from(rules.SOURCES),
    active_case=st.booleans(),
    warning_sign=st.booleans(),
    severity=st.integers(0, 3),
    vulnerable=st.booleans(),
)


@given(facts)
def test_every_request_gets_a_priority_a_positive_deadline_and_a_team_kind(f):
    d = decide(f, V1)
    assert d.priority in rules.PRIORITIES
    assert d.deadline_minutes > 0
    assert d.team_kind in rules.TEAM_KINDS
    assert d.ruleset == "hn-1022/1"


@given(facts)
def test_a_warning_sign_never_makes_a_request_less_urgent(f):
    without = decide(Facts(**{**f.__dict__, "warning_sign": False}), V1)
    with_sign = decide(Facts(**{**f.__dict__, "warning_sign": True}), V1)
    assert with_sign.priority <= without.priority


@given(facts)
def test_a_more_urgent_priority_never_has_a_longer_deadline_in_its_category(f):
    d = decide(f, V1)
    for other in rules.PRIORITIES:
        if other > d.priority:
            assert V1.deadline(f.category, other) >= d.deadline_minutes


V2 = rules.HN_1022_V2


@given(facts)
def test_version_2_decides_every_request_without_an_alert_as_version_1(f):
    """v2 only adds the alerts' rules: same priority, reason and team; the same deadline except a violation
    report made high (v2: 1 hour, the time to check a crowd or a breach of quarantine while it lasts)."""
    old, new = decide(f, V1), decide(f, V2)
    assert (new.priority, new.reason, new.team_kind) == (old.priority, old.reason, old.team_kind)
    if (f.category, new.priority) == (rules.VIOLATION, rules.HIGH):
        assert (old.deadline_minutes, new.deadline_minutes) == (4 * 60, 60)
    else:
        assert new.deadline_minutes == old.deadline_minutes


@given(facts, st.sampled_from(rules.ALERTS))
def test_alerts_from_quarantine_and_cameras_go_to_the_commune_team_by_the_rules(f, alert):
    d = decide(Facts(**{**f.__dict__, "alert": alert, "source": rules.SYSTEM}), V2)
    assert d.team_kind == rules.TEAM_COMMUNE
    expected = {
        rules.QUARANTINE_SYMPTOMS: rules.HIGH,
        rules.QUARANTINE_DIARY_MISSED: rules.LOW,
        rules.CAMERA_CROWD: rules.HIGH,
        rules.CAMERA_DOOR: rules.HIGH,
    }[alert]
    assert d.priority == expected


def test_an_unknown_alert_is_refused():
    with pytest.raises(ValueError):
        decide(Facts(category=rules.OTHER, alert="meteor"), V2)
