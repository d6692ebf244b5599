"""The quarantine policies, one scenario per effective date, and properties over any facts."""

from datetime import date, timedelta

from hypothesis import given
from hypothesis import strategies as st

from epiqr.quarantine import policy as qp
from epiqr.quarantine.policy import Facts, plan, policy_for


def d(text: str) -> date:
    return date.fromisoformat(text)


def test_each_policy_takes_effect_on_its_day_and_not_before():
    assert policy_for(d("2021-08-01")).name == "vn-2021-07-cv5599"
    assert policy_for(d("2021-12-15")).name == "vn-2021-07-cv5599"
    assert policy_for(d("2021-12-16")).name == "vn-2021-12-cv10696"
    assert policy_for(d("2022-02-20")).name == "vn-2021-12-cv10696"
    assert policy_for(d("2022-02-21")).name == "vn-2022-02-cv762"
    assert policy_for(d("2022-04-14")).name == "vn-2022-02-cv762"
    assert policy_for(d("2022-04-15")).name == "vn-2022-04-cv1909"
    assert policy_for(d("2026-12-03")).name == "vn-2022-04-cv1909"
    # Before the first policy: the first one (the 21-day rule before July 2021 is not modelled).
    assert policy_for(d("2020-03-01")).name == "vn-2021-07-cv5599"


def test_every_policy_cites_an_official_document():
    for p in qp.POLICIES:
        assert "Bộ Y tế" in p.source and p.effective.strftime("%-d/%-m/%Y") in p.source


def test_mid_2021_an_f1_is_quarantined_14_days_then_monitors_14_vaccinated_or_not():
    # An (made-up) F1 last met the case on 1 August 2021; two doses long before change nothing in 2021.
    facts = Facts(
        last_exposure=d("2021-08-01"),
        doses=(d("2021-05-01"), d("2021-06-01")),
        primary_complete_on=d("2021-06-01"),
    )
    p = plan(policy_for(d("2021-08-01")), facts)
    assert (p.start, p.end, p.monitor_until) == (d("2021-08-02"), d("2021-08-15"), d("2021-08-29"))
    assert p.test_days == (d("2021-08-02"), d("2021-08-08"), d("2021-08-15"))
    assert p.regime.code == "standard"


def test_from_16_december_2021_the_fully_vaccinated_quarantine_7_days_and_monitor_7():
    pol = policy_for(d("2021-12-20"))
    # An: second dose on 1 December, 19 days before exposure: protected.
    an = plan(
        pol,
        Facts(
            last_exposure=d("2021-12-20"),
            doses=(d("2021-11-01"), d("2021-12-01")),
            primary_complete_on=d("2021-12-01"),
        ),
    )
    assert an.regime.code == "reduced"
    assert (an.end, an.monitor_until) == (d("2021-12-27"), d("2022-01-03"))
    assert an.test_days == (d("2021-12-21"), d("2021-12-27"))
    assert [r.code for r in an.reasons] == ["policy", "vaccinated", "quarantine", "monitoring", "tests"]
    # Binh: second dose 10 days before: not yet 14 days, so the standard 14 + 14.
    binh = plan(
        pol,
        Facts(
            last_exposure=d("2021-12-20"),
            doses=(d("2021-11-10"), d("2021-12-10")),
            primary_complete_on=d("2021-12-10"),
        ),
    )
    assert binh.regime.code == "standard" and binh.end == d("2022-01-03")
    assert binh.reasons[1].code == "not_protected"
    # Chi: the series was complete 7 months before: past the 6 months the dispatch allows.
    chi = plan(
        pol,
        Facts(
            last_exposure=d("2021-12-20"),
            doses=(d("2021-04-20"), d("2021-05-19")),
            primary_complete_on=d("2021-05-19"),
        ),
    )
    assert chi.regime.code == "standard"
    # Dung: one dose of a two-dose vaccine: not fully vaccinated.
    dung = plan(pol, Facts(last_exposure=d("2021-12-20"), doses=(d("2021-10-01"),)))
    assert dung.regime.code == "standard"
    # Em: recovered in October (within 6 months): reduced.
    em = plan(pol, Facts(last_exposure=d("2021-12-20"), recovered_on=d("2021-10-01")))
    assert em.regime.code == "reduced" and em.reasons[1].code == "recovered"


def test_from_21_february_2022_two_doses_mean_5_days_and_others_7():
    pol = policy_for(d("2022-03-08"))
    # Two doses, the last a year before: 762 sets no upper bound (10696 did: 6 months).
    two = plan(pol, Facts(last_exposure=d("2022-03-08"), doses=(d("2021-02-01"), d("2021-03-01"))))
    assert two.regime.code == "reduced"
    assert (two.end, two.monitor_until, two.test_days) == (
        d("2022-03-13"),
        d("2022-03-18"),
        (d("2022-03-13"),),
    )
    one = plan(pol, Facts(last_exposure=d("2022-03-08"), doses=(d("2021-09-01"),)))
    assert one.regime.code == "standard"
    assert (one.end, one.monitor_until, one.test_days) == (
        d("2022-03-15"),
        d("2022-03-18"),
        (d("2022-03-15"),),
    )
    # Recovered 4 months before: beyond the 3 months of 762 (within 10696's 6).
    old = Facts(last_exposure=d("2022-03-08"), recovered_on=d("2021-11-01"))
    assert plan(pol, old).regime.code == "standard"
    assert (
        plan(
            policy_for(d("2022-02-01")), Facts(last_exposure=d("2022-02-01"), recovered_on=d("2021-11-01"))
        ).regime.code
        == "reduced"
    )


def test_from_15_april_2022_no_quarantine_only_10_days_of_self_monitoring():
    p = plan(policy_for(d("2022-04-15")), Facts(last_exposure=d("2022-04-15")))
    assert not p.quarantined and p.end is None and p.test_days == ()
    assert p.monitor_until == d("2022-04-25")
    assert p.followed_on(d("2022-04-20")) and not p.in_quarantine_on(d("2022-04-20"))
    assert [r.code for r in p.reasons] == ["policy", "no_quarantine", "tests"]


def test_the_policy_is_judged_on_the_day_identified_not_the_exposure():
    # Exposed on 14 December 2021 but identified on the 17th: the new dispatch applies to the decision.
    facts = Facts(
        last_exposure=d("2021-12-14"),
        identified_on=d("2021-12-17"),
        doses=(d("2021-10-01"), d("2021-11-01")),
        primary_complete_on=d("2021-11-01"),
    )
    p = plan(policy_for(facts.identified_on), facts)
    assert p.regime.code == "reduced" and p.end == d("2021-12-21")  # counted from the exposure


def test_add_months_keeps_the_day_or_takes_the_months_last():
    assert qp.add_months(d("2021-08-31"), 6) == d("2022-02-28")
    assert qp.add_months(d("2021-12-16"), 3) == d("2022-03-16")


days = st.dates(min_value=date(2020, 1, 1), max_value=date(2030, 1, 1))


@given(
    exposure=days,
    doses=st.lists(days, max_size=5),
    recovered=st.none() | days,
    complete=st.none() | days,
    lag=st.integers(0, 30),
    which=st.sampled_from(qp.POLICIES),
)
def test_any_facts_give_a_plan_whose_days_follow_the_regime(exposure, doses, recovered, complete, lag, which):
    facts = Facts(
        last_exposure=exposure,
        identified_on=exposure + timedelta(days=lag),
        doses=tuple(doses),
        primary_complete_on=complete,
        recovered_on=recovered,
    )
    p = plan(which, facts)
    assert p.regime in (which.standard, which.reduced.regime if which.reduced else which.standard)
    assert p.reasons and p.reasons[0].code == "policy"
    assert p.start == exposure + timedelta(days=1)
    if p.regime.quarantine_days:
        assert p.end == exposure + timedelta(days=p.regime.quarantine_days)
        assert all(p.start <= t <= p.end for t in p.test_days)
    else:
        assert p.end is None
    assert p.monitor_until == exposure + timedelta(days=p.regime.quarantine_days + p.regime.monitor_days)
    # Protection never makes a quarantine longer.
    assert p.regime.quarantine_days <= which.standard.quarantine_days
