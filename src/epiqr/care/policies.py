"""Home-care eligibility and release from isolation of an F0, by versioned policy (no Django import).

Each policy is data: the criteria of one official decision, its source and the day it took effect;
`home_policy_for(day)` / `release_policy_for(day)` pick the one in force (the latest that took effect on
or before the day; before the first, the first).

Contract of `home_eligibility(policy, facts)`: never raises; `eligible` is True only when every
criterion is met, and `reasons` names each criterion that failed in words a nurse reads aloud ("SpO2
95%, the policy needs at least 96%"), or, when eligible, why (at least one reason either way).
Contract of `release_day(policy, confirmed_on, negative_test_on)`: the first day the F0 may leave
isolation: `days` after the confirmation day, and not before a negative antigen test taken on or after
that day (None while no such test is known: the day shown is then `release_earliest`).
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, timedelta

from .severity import ASYMPTOMATIC, MILD


def _(text: str) -> str:
    """Marks a message for the catalogue; translated where shown."""
    return text


@dataclass(frozen=True)
class HomePolicy:
    name: str
    effective: date
    source: str
    levels: frozenset[str]  # severity levels that may be cared for at home
    spo2_above: int | None  # SpO2 must be > this ...
    spo2_at_least: int | None  # ... or >= this (QĐ 4038 and QĐ 261: >= 96 %)
    rr_at_most: int  # respiratory rate must be <= this (adults; QĐ 4038: <= 20 per minute)
    age_min_months: int
    age_below_years: int | None  # must be younger than this (QĐ 4038: under 50); None: no upper age
    risk_needs_full_vaccination: bool  # True: a risk group qualifies if fully vaccinated; False: never
    # QĐ 4038: vaccinated people (this many doses or more) qualify whatever their age (above the minimum),
    # comorbidities or pregnancy: the decision asks EITHER vaccination OR all three of age, no listed
    # comorbidity and no pregnancy. None: no such rule.
    vaccinated_doses: int | None = None


HOME_POLICIES: tuple[HomePolicy, ...] = (
    HomePolicy(
        name="qd4038-2021-08-21",
        effective=date(2021, 8, 21),
        source=(
            "Bộ Y tế, QĐ 4038/QĐ-BYT (21/8/2021), Hướng dẫn tạm thời về quản lý người nhiễm COVID-19 tại "
            "nhà, mục 1: không triệu chứng hoặc nhẹ, nhịp thở ≤ 20 lần/phút, SpO2 ≥ 96% khi thở khí trời, "
            "và đã tiêm đủ 2 mũi hoặc 1 mũi vắc xin sau 14 ngày, HOẶC đủ 3 yếu tố: trẻ em trên 1 tuổi, "
            "người lớn < 50 tuổi; không có bệnh nền (Phụ lục 01); không mang thai (theo bản tóm tắt của "
            "Thư viện Pháp luật và Báo Bảo vệ pháp luật, 21/8/2021; 14 ngày sau mũi 1 không được kiểm tra)"
        ),
        levels=frozenset({ASYMPTOMATIC, MILD}),
        spo2_above=None,
        spo2_at_least=96,
        rr_at_most=20,
        age_min_months=12,
        age_below_years=50,
        risk_needs_full_vaccination=False,
        vaccinated_doses=1,
    ),
    HomePolicy(
        name="qd261-2022-01-31",
        effective=date(2022, 1, 31),
        source=(
            "Bộ Y tế, QĐ 261/QĐ-BYT (31/1/2022), Hướng dẫn quản lý tại nhà đối với người mắc COVID-19 "
            "(các ngưỡng ở đây — SpO2 ≥ 96%, nhịp thở < 20, từ 3 tháng tuổi, nhóm nguy cơ khi đã tiêm đủ "
            "liều — CHƯA được đối chiếu với văn bản của quyết định)"
        ),
        levels=frozenset({ASYMPTOMATIC, MILD}),
        spo2_above=None,
        spo2_at_least=96,
        rr_at_most=19,
        age_min_months=3,
        age_below_years=None,
        risk_needs_full_vaccination=True,
    ),
)


@dataclass(frozen=True)
class PatientFacts:
    level: str  # severity.classify(...).level
    spo2: int | None
    respiratory_rate: int | None
    age_months: int | None
    comorbidities: frozenset[str]
    pregnant: bool
    doses: int  # vaccine doses received


@dataclass(frozen=True)
class Reason:
    text: str  # English message id, %-formatted with params once translated
    params: tuple[tuple[str, object], ...] = ()

    def format(self, translate=lambda s: s) -> str:
        return translate(self.text) % dict(self.params)


@dataclass(frozen=True)
class Eligibility:
    eligible: bool
    policy: str
    source: str
    reasons: tuple[Reason, ...]


def _pick(policies, day: date):
    chosen = policies[0]
    for p in policies:
        if p.effective <= day:
            chosen = p
    return chosen


def home_policy_for(day: date) -> HomePolicy:
    return _pick(HOME_POLICIES, day)


def home_eligibility(policy: HomePolicy, facts: PatientFacts) -> Eligibility:
    """May this F0 be cared for at home under `policy` (see the module's contract)."""
    failed: list[Reason] = []
    if facts.level not in policy.levels:
        failed.append(
            Reason(
                _("severity %(level)s, the policy takes only asymptomatic or mild cases"),
                (("level", facts.level),),
            )
        )
    if facts.spo2 is None:
        failed.append(Reason(_("SpO2 not measured")))
    elif policy.spo2_above is not None and facts.spo2 <= policy.spo2_above:
        failed.append(
            Reason(
                _("SpO2 %(spo2)s%%, the policy needs more than %(limit)s%%"),
                (("spo2", facts.spo2), ("limit", policy.spo2_above)),
            )
        )
    elif policy.spo2_at_least is not None and facts.spo2 < policy.spo2_at_least:
        failed.append(
            Reason(
                _("SpO2 %(spo2)s%%, the policy needs at least %(limit)s%%"),
                (("spo2", facts.spo2), ("limit", policy.spo2_at_least)),
            )
        )
    if facts.respiratory_rate is None:
        failed.append(Reason(_("respiratory rate not measured")))
    elif facts.respiratory_rate > policy.rr_at_most:
        failed.append(
            Reason(
                _("respiratory rate %(rr)s per minute, the policy needs at most %(limit)s"),
                (("rr", facts.respiratory_rate), ("limit", policy.rr_at_most)),
            )
        )
    vaccinated = policy.vaccinated_doses is not None and facts.doses >= policy.vaccinated_doses
    if facts.age_months is None:
        failed.append(Reason(_("age unknown")))
    else:
        if facts.age_months < policy.age_min_months:
            failed.append(
                Reason(
                    _("%(months)s months old, the policy needs at least %(limit)s months"),
                    (("months", facts.age_months), ("limit", policy.age_min_months)),
                )
            )
        if (
            policy.age_below_years is not None
            and facts.age_months >= policy.age_below_years * 12
            and not vaccinated
        ):
            failed.append(
                Reason(
                    _(
                        "%(years)s years old and not vaccinated, the policy takes people younger than %(limit)s"
                    ),
                    (("years", facts.age_months // 12), ("limit", policy.age_below_years)),
                )
            )
    risks = []
    if facts.comorbidities:
        risks.append(Reason(_("a listed comorbidity")))
    if facts.pregnant:
        risks.append(Reason(_("pregnancy")))
    if risks and not vaccinated:
        if not policy.risk_needs_full_vaccination:
            failed.extend(
                Reason(_("%(risk)s and not vaccinated: the policy excludes it"), (("risk", r.text),))
                for r in risks
            )
        elif facts.doses < 2:
            failed.extend(
                Reason(
                    _("%(risk)s and %(doses)s vaccine doses: the policy needs a full course (2 doses)"),
                    (("risk", r.text), ("doses", facts.doses)),
                )
                for r in risks
            )
    if failed:
        return Eligibility(False, policy.name, policy.source, tuple(failed))
    return Eligibility(True, policy.name, policy.source, (Reason(_("every criterion of the policy is met")),))


@dataclass(frozen=True)
class ReleasePolicy:
    name: str
    effective: date
    source: str
    days: int  # isolation days counted from the confirmation day
    needs_negative_test: bool


RELEASE_POLICIES: tuple[ReleasePolicy, ...] = (
    ReleasePolicy(
        name="qd261-2022-01-31",
        effective=date(2022, 1, 31),
        source=(
            "Bộ Y tế, QĐ 261/QĐ-BYT (31/1/2022): đủ 10 ngày cách ly, điều trị và xét nghiệm nhanh kháng "
            "nguyên âm tính (CHƯA đối chiếu với văn bản của quyết định)"
        ),
        days=10,
        needs_negative_test=True,
    ),
    ReleasePolicy(
        name="byt-2022-02-7days",
        effective=date(2022, 2, 22),
        source=(
            "Bộ Y tế, hướng dẫn mới cho F0 điều trị tại nhà (2/2022): đủ 7 ngày cách ly, điều trị và xét "
            "nghiệm nhanh kháng nguyên âm tính (theo Báo Nhân Dân; số hiệu văn bản CHƯA xác nhận được: không "
            "tìm thấy nguồn xác nhận QĐ 4909/QĐ-BYT hay QĐ 250/QĐ-BYT; ngày 22/2/2022 ở đây là giả định)"
        ),
        days=7,
        needs_negative_test=True,
    ),
)


def release_policy_for(day: date) -> ReleasePolicy:
    return _pick(RELEASE_POLICIES, day)


def release_earliest(policy: ReleasePolicy, confirmed_on: date) -> date:
    """The first day the F0 may leave isolation, a negative test permitting."""
    return confirmed_on + timedelta(days=policy.days)


def release_day(policy: ReleasePolicy, confirmed_on: date, negative_test_on: date | None) -> date | None:
    """The release day (see the module's contract): None while the negative test it needs is missing."""
    earliest = release_earliest(policy, confirmed_on)
    if not policy.needs_negative_test:
        return earliest
    if negative_test_on is None or negative_test_on < earliest:
        return None
    return negative_test_on
