"""Quarantine of contacts (F1) by versioned policy, chosen by date (no Django import).

Each `Policy` names the Ministry of Health document it follows and the day it took effect; a new
decision is a new entry in `POLICIES`. A policy has a `standard` regime and, from December 2021, a
`reduced` one for contacts protected by vaccination or a recent recovery (its own rule of who counts).

Counting (the documents count "from the last exposure"): day 0 is the local day of the last exposure;
quarantine covers days 1..N (it ends at the end of day N, `end`); self-monitoring covers the M days after
it (`monitor_until`); a test "on day k" is due on the exposure day + k. A regime of 0 days asks no
quarantine, only the self-monitoring days.

Contract: `plan(policy, facts)` never raises on any facts (doses in any order, in the future, a recovery
day after the exposure) and always gives at least one `Reason`, the words of which `explain` in the
Django layer (selectors) turns into sentences; `policy_for(day)` gives the policy in force on `day` (the
first one before the first effective day).
"""

from __future__ import annotations

import calendar
from dataclasses import dataclass, field
from datetime import date, timedelta

CV5599 = (
    "Bộ Y tế, Công văn 5599/BYT-MT (14/7/2021): rút ngắn thời gian cách ly F1 từ 21 xuống 14 ngày, "
    "tiếp tục tự theo dõi sức khỏe 14 ngày; xét nghiệm ngày 1, 7 và 14"
)
CV10696 = (
    "Bộ Y tế, Công văn 10696/BYT-MT (16/12/2021): cách ly y tế cho F1 đã tiêm đủ liều vắc xin (mũi cuối "
    "ít nhất 14 ngày, không quá 6 tháng) hoặc đã khỏi bệnh trong 6 tháng: 7 ngày tại nhà, tự theo dõi 7 "
    "ngày tiếp theo, xét nghiệm ngày 1 và 7"
)
CV762 = (
    "Bộ Y tế, Công văn 762/BYT-DP (21/2/2022): F1 đã tiêm ít nhất 2 mũi (mũi cuối ít nhất 14 ngày) hoặc "
    "khỏi bệnh trong 3 tháng: cách ly 5 ngày, xét nghiệm ngày 5, tự theo dõi 5 ngày; F1 khác: cách ly 7 "
    "ngày, xét nghiệm ngày 7, tự theo dõi 3 ngày"
)
CV1909 = (
    "Bộ Y tế, Công văn 1909/BYT-DP (15/4/2022): F1 không phải cách ly; thực hiện biện pháp phòng bệnh và "
    "tự theo dõi sức khỏe 10 ngày kể từ lần tiếp xúc cuối; xét nghiệm khi có triệu chứng"
)


@dataclass(frozen=True)
class Regime:
    """What one group of contacts must do: quarantine days, self-monitoring days, test days."""

    code: str  # "standard" or "reduced"
    quarantine_days: int
    monitor_days: int
    test_days: tuple[int, ...]  # day numbers (day 0 = the last exposure)


@dataclass(frozen=True)
class Reduced:
    """Who gets the reduced regime: the vaccinated (`min_doses` doses, or the whole primary series when
    None, the last at least `dose_min_days` and, when set, at most `dose_max_months` before the day the
    contact is identified) or the recovered (within `recovered_months`)."""

    regime: Regime
    min_doses: int | None
    dose_min_days: int
    dose_max_months: int | None
    recovered_months: int | None


@dataclass(frozen=True)
class Policy:
    name: str
    effective: date
    source: str
    standard: Regime
    reduced: Reduced | None = None
    # Whether a negative test alone ends the quarantine early. None of the documents cited provides
    # for it: each fixes the quarantine's days and schedules its tests within them (CV 5599: days 1, 7
    # and 14 of 14), so a negative on day 1 or 7 cannot shorten them; the last test falls on the last
    # day. What ends one early is the officer ruling the person out (not a contact after all: a wrong
    # match, a wrong time), with the reason in the history, or the contact becoming a case.
    negative_test_ends: bool = False


POLICIES: tuple[Policy, ...] = (
    Policy(
        name="vn-2021-07-cv5599",
        effective=date(2021, 7, 14),
        source=CV5599,
        standard=Regime("standard", 14, 14, (1, 7, 14)),
    ),
    Policy(
        name="vn-2021-12-cv10696",
        effective=date(2021, 12, 16),
        source=CV10696,
        standard=Regime("standard", 14, 14, (1, 7, 14)),
        reduced=Reduced(
            Regime("reduced", 7, 7, (1, 7)),
            min_doses=None,
            dose_min_days=14,
            dose_max_months=6,
            recovered_months=6,
        ),
    ),
    Policy(
        name="vn-2022-02-cv762",
        effective=date(2022, 2, 21),
        source=CV762,
        standard=Regime("standard", 7, 3, (7,)),
        reduced=Reduced(
            Regime("reduced", 5, 5, (5,)),
            min_doses=2,
            dose_min_days=14,
            dose_max_months=None,
            recovered_months=3,
        ),
    ),
    Policy(
        name="vn-2022-04-cv1909",
        effective=date(2022, 4, 15),
        source=CV1909,
        standard=Regime("standard", 0, 10, ()),
    ),
)
BY_NAME = {p.name: p for p in POLICIES}


def policy_for(day: date) -> Policy:
    """The policy in force on `day` (the earliest one for a day before every policy)."""
    chosen = POLICIES[0]
    for p in POLICIES:
        if p.effective <= day:
            chosen = p
    return chosen


def policy_named(name: str) -> Policy:
    """The policy of that name; KeyError for an unknown one."""
    return BY_NAME[name]


@dataclass(frozen=True)
class Facts:
    """What is known of one contact: the last exposure, the day they were identified as a contact, their
    vaccine doses (days, any order), the day their primary series was complete, and a recovery."""

    last_exposure: date
    identified_on: date | None = None  # None: the day of the last exposure
    doses: tuple[date, ...] = ()
    primary_complete_on: date | None = None
    recovered_on: date | None = None  # the first positive day of a case now recovered


@dataclass(frozen=True)
class Reason:
    """One step of the decision, as a code and the values its sentence shows."""

    code: str
    values: dict = field(default_factory=dict)


@dataclass(frozen=True)
class Plan:
    policy: Policy
    regime: Regime
    last_exposure: date
    start: date  # day 1
    end: date | None  # last day of quarantine; None: no quarantine asked
    monitor_until: date | None  # last day of self-monitoring
    test_days: tuple[date, ...]
    reasons: tuple[Reason, ...]

    @property
    def quarantined(self) -> bool:
        return self.end is not None

    def in_quarantine_on(self, day: date) -> bool:
        return self.end is not None and self.start <= day <= self.end

    def followed_on(self, day: date) -> bool:
        """Whether `day` is one of quarantine or self-monitoring (the days a diary is kept)."""
        last = self.monitor_until or self.end
        return last is not None and self.start <= day <= last


def add_months(day: date, months: int) -> date:
    """The same day `months` later (the month's last day when it has no such day: 31/8 + 6 = 28/2)."""
    total = day.month - 1 + months
    year, month = day.year + total // 12, total % 12 + 1
    return date(year, month, min(day.day, calendar.monthrange(year, month)[1]))


def _vaccinated(rule: Reduced, facts: Facts, on: date) -> Reason | None:
    doses = sorted(d for d in facts.doses if d <= on)
    if not doses:
        return None
    if rule.min_doses is None:
        if facts.primary_complete_on is None or facts.primary_complete_on > on:
            return None
    elif len(doses) < rule.min_doses:
        return None
    last = doses[-1]
    if (on - last).days < rule.dose_min_days:
        return None
    if rule.dose_max_months is not None and add_months(last, rule.dose_max_months) < on:
        return None
    return Reason("vaccinated", {"doses": len(doses), "last_dose": last, "days": (on - last).days})


def _recovered(rule: Reduced, facts: Facts, on: date) -> Reason | None:
    if rule.recovered_months is None or facts.recovered_on is None or facts.recovered_on > on:
        return None
    if add_months(facts.recovered_on, rule.recovered_months) < on:
        return None
    return Reason("recovered", {"recovered_on": facts.recovered_on, "months": rule.recovered_months})


def _not_reduced(rule: Reduced) -> Reason:
    return Reason(
        "not_protected",
        {
            "min_doses": rule.min_doses,
            "dose_min_days": rule.dose_min_days,
            "dose_max_months": rule.dose_max_months,
            "recovered_months": rule.recovered_months,
        },
    )


def plan(policy: Policy, facts: Facts) -> Plan:
    """The contact's quarantine under `policy`: the regime that applies, its days and the reasons."""
    on = facts.identified_on or facts.last_exposure
    reasons = [Reason("policy", {"name": policy.name, "effective": policy.effective})]
    regime = policy.standard
    if policy.reduced is not None:
        why = _vaccinated(policy.reduced, facts, on) or _recovered(policy.reduced, facts, on)
        if why is not None:
            regime = policy.reduced.regime
            reasons.append(why)
        else:
            reasons.append(_not_reduced(policy.reduced))
    d0 = facts.last_exposure
    end = d0 + timedelta(days=regime.quarantine_days) if regime.quarantine_days else None
    last = d0 + timedelta(days=regime.quarantine_days + regime.monitor_days)
    monitor_until = last if regime.monitor_days else None
    tests = tuple(d0 + timedelta(days=k) for k in regime.test_days)
    if end is None:
        reasons.append(Reason("no_quarantine", {"monitor_days": regime.monitor_days, "until": monitor_until}))
    else:
        reasons.append(
            Reason(
                "quarantine",
                {"days": regime.quarantine_days, "start": d0 + timedelta(days=1), "end": end},
            )
        )
        if monitor_until:
            reasons.append(Reason("monitoring", {"days": regime.monitor_days, "until": monitor_until}))
    reasons.append(Reason("tests", {"days": tests}))
    return Plan(
        policy=policy,
        regime=regime,
        last_exposure=d0,
        start=d0 + timedelta(days=1),
        end=end,
        monitor_until=monitor_until,
        test_days=tests,
        reasons=tuple(reasons),
    )
