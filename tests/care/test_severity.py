"""Clinical classification by QĐ 4689/QĐ-BYT (care.severity): each level's thresholds at their edges."""

import pytest
from hypothesis import given
from hypothesis import strategies as st

from epiqr.care import severity
from epiqr.care.severity import Vitals, classify, is_warning, need


@pytest.mark.parametrize(
    ("rr", "spo2", "signs", "level"),
    [
        (16, 98, (), "asymptomatic"),
        (16, 97, ("fever", "cough"), "mild"),
        (19, 97, (), "asymptomatic"),
        (20, 97, (), "moderate"),  # respiratory rate 20-25
        (25, 97, (), "moderate"),
        (26, 97, (), "severe"),  # > 25
        (30, 97, (), "severe"),
        (31, 97, (), "critical"),  # > 30
        (9, 97, (), "critical"),  # < 10
        (16, 96, (), "moderate"),  # SpO2 94-96
        (16, 94, (), "moderate"),
        (16, 93, (), "severe"),  # < 94
        (16, 98, ("breathless_exertion",), "moderate"),
        (16, 98, ("breathless_rest",), "severe"),
        (16, 98, ("cyanosis",), "critical"),
    ],
)
def test_levels_at_their_edges(rr, spo2, signs, level):
    assert classify(Vitals(rr, spo2, frozenset(signs))).level == level


def test_the_reason_names_the_deciding_measure():
    a = classify(Vitals(18, 93, frozenset({"fever"})))
    assert a.level == "severe"
    assert [r.format() for r in a.reasons] == ["SpO2 93%"]


def test_nothing_measured_is_not_guessed():
    a = classify(Vitals())
    assert a.level == "asymptomatic" and a.reasons


@given(
    st.none() | st.integers(0, 80),
    st.none() | st.integers(30, 100),
    st.sets(st.sampled_from(sorted(severity.SIGNS))),
)
def test_never_raises_and_worse_vitals_never_lower_the_level(rr, spo2, signs):
    a = classify(Vitals(rr, spo2, frozenset(signs)))
    assert a.level in severity.LEVELS and a.reasons
    if spo2 is not None and spo2 > 30:
        worse = classify(Vitals(rr, spo2 - 1, frozenset(signs)))
        assert severity.RANK[worse.level] >= severity.RANK[a.level]


def test_tiers_of_qd_4111():
    assert need("mild") == severity.Need(1, "normal")
    assert need("moderate") == severity.Need(2, "oxygen")
    assert need("severe") == severity.Need(3, "oxygen")
    assert need("critical") == severity.Need(3, "icu")


def test_warnings_at_home():
    assert not is_warning(Vitals(18, 97, frozenset({"fever"})))
    assert is_warning(Vitals(18, 95))  # QĐ 261: SpO2 ≤ 95%
    assert is_warning(Vitals(21, 98))
    assert is_warning(Vitals(None, None, frozenset({"chest_pain"})))
