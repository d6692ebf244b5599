"""The personal health status: a colour from vaccination, recovery, contact status and recent tests,
computed by a versioned policy chosen by date (no Django import).

Colours, strongest first:
- red: under isolation as a case (F0), or an F1 contact in quarantine (the days the quarantine domain's
  policy gave that quarantine, 14, 7 or 5, and not after it ended): must not enter venues;
- green: fully vaccinated (the primary series complete at least `full_after_days` ago and the last dose
  within `vaccination_valid_days`), or recovered from a case within `recovery_days`;
- yellow: at least one dose, or a negative test within `negative_test_hours`;
- grey: none of these known.

Each rule names its official source and the day it took effect (`Rule`). Contract: `status(policy,
facts, at)` never raises and always gives at least one reason.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date, datetime, timedelta

from .schedules import PriorDose, primary_complete

RED, GREEN, YELLOW, GREY = "red", "green", "yellow", "grey"
ORDER = {RED: 0, GREEN: 1, YELLOW: 2, GREY: 3}


@dataclass(frozen=True)
class Rule:
    code: str
    colour: str
    source: str
    effective: date


@dataclass(frozen=True)
class StatusPolicy:
    name: str
    effective: date
    rules: tuple[Rule, ...]
    full_after_days: int
    vaccination_valid_days: int
    recovery_days: int
    negative_test_hours: int

    def rule(self, code: str) -> Rule:
        return next(r for r in self.rules if r.code == code)


NQ128 = "Nghị quyết 128/NQ-CP (11/10/2021), Quy định tạm thời “Thích ứng an toàn, linh hoạt, kiểm soát hiệu quả dịch COVID-19”"
QD4800 = "Bộ Y tế, QĐ 4800/QĐ-BYT (12/10/2021): hướng dẫn chuyên môn thực hiện Nghị quyết 128/NQ-CP"

POLICIES: tuple[StatusPolicy, ...] = (
    StatusPolicy(
        name="vn-2021-10-nq128",
        effective=date(2021, 10, 11),
        rules=(
            Rule(
                "active_case",
                RED,
                QD4800 + ": người mắc COVID-19 (F0) đang cách ly, điều trị",
                date(2021, 10, 12),
            ),
            Rule("f1_quarantine", RED, QD4800 + ": người tiếp xúc gần (F1) đang cách ly", date(2021, 10, 12)),
            Rule(
                "fully_vaccinated",
                GREEN,
                NQ128 + ": tiêm đủ liều, mũi cuối ít nhất 14 ngày và không quá 12 tháng",
                date(2021, 10, 11),
            ),
            Rule(
                "recovered", GREEN, NQ128 + ": đã khỏi bệnh COVID-19 trong vòng 6 tháng", date(2021, 10, 11)
            ),
            Rule(
                "partly_vaccinated",
                YELLOW,
                NQ128 + ": đã tiêm ít nhất 1 mũi (cấp độ dịch 1-3)",
                date(2021, 10, 11),
            ),
            Rule(
                "negative_test",
                YELLOW,
                NQ128 + ": kết quả xét nghiệm âm tính trong vòng 72 giờ",
                date(2021, 10, 11),
            ),
            Rule(
                "nothing_known",
                GREY,
                NQ128 + ": chưa tiêm, chưa khỏi bệnh, không có xét nghiệm gần đây",
                date(2021, 10, 11),
            ),
        ),
        full_after_days=14,
        vaccination_valid_days=365,
        recovery_days=180,
        negative_test_hours=72,
    ),
)


def policy_for(day: date) -> StatusPolicy:
    chosen = POLICIES[0]
    for p in POLICIES:
        if p.effective <= day:
            chosen = p
    return chosen


@dataclass(frozen=True)
class Facts:
    """What other domains know of one person, read through their selectors."""

    doses: tuple[PriorDose, ...] = ()
    active_case: bool = False
    recovered_from: date | None = None  # the first positive of a case now recovered
    # An F1's quarantine in force: its first and last day (Vietnam dates, the quarantine domain's policy)
    quarantine: tuple[date, date] | None = None
    negative_test_at: datetime | None = None


@dataclass(frozen=True)
class Status:
    colour: str
    reasons: tuple[Rule, ...]  # every rule that applies, strongest first
    policy: str
    # when the colour given by the strongest rule lapses, if it does (a quarantine: its last day)
    until: date | None = None
    detail: dict = field(default_factory=dict)

    @property
    def refused_at_the_door(self) -> bool:
        return self.colour == RED


def status(policy: StatusPolicy, facts: Facts, at: datetime) -> Status:
    today = at.date()
    found: list[tuple[Rule, date | None]] = []
    if facts.active_case:
        found.append((policy.rule("active_case"), None))
    if facts.quarantine is not None:
        first, last = facts.quarantine
        if first <= today <= last:
            found.append((policy.rule("f1_quarantine"), last))
    doses = sorted(facts.doses, key=lambda d: d.day)
    if doses:
        last = doses[-1].day
        expires = last + timedelta(days=policy.vaccination_valid_days)
        full_from = last + timedelta(days=policy.full_after_days)
        if primary_complete(list(doses)) and full_from <= today < expires:
            found.append((policy.rule("fully_vaccinated"), expires))
        else:
            found.append((policy.rule("partly_vaccinated"), None))
    if facts.recovered_from is not None:
        ends = facts.recovered_from + timedelta(days=policy.recovery_days)
        if facts.recovered_from <= today < ends:
            found.append((policy.rule("recovered"), ends))
    if facts.negative_test_at is not None:
        ends_at = facts.negative_test_at + timedelta(hours=policy.negative_test_hours)
        if facts.negative_test_at <= at < ends_at:
            found.append((policy.rule("negative_test"), ends_at.date()))
    if not found:
        found.append((policy.rule("nothing_known"), None))
    found.sort(key=lambda pair: ORDER[pair[0].colour])
    strongest, until = found[0]
    return Status(strongest.colour, tuple(rule for rule, _ in found), policy.name, until)


NOT_DETECTED = "260415000"  # DCC value set covid-19-lab-result: "Not detected"


def _day(value) -> date | None:
    try:
        return date.fromisoformat(str(value)[:10])
    except ValueError:
        return None


def status_of_certificate(policy: StatusPolicy, *, kind: str, entries: list[dict], at: datetime) -> Status:
    """The colour a verifier can tell from a valid certificate's own entries (DCC `v`, `t` or `r`): the
    same rules, without the facts only EpiQR's records hold (cases, quarantine)."""
    today = at.date()
    found: list[tuple[Rule, date | None]] = []
    for entry in entries:
        if kind == "v" and (day := _day(entry.get("dt"))) is not None:
            number, series = entry.get("dn"), entry.get("sd")
            complete = isinstance(number, int) and isinstance(series, int) and number >= series > 0
            expires = day + timedelta(days=policy.vaccination_valid_days)
            if complete and day + timedelta(days=policy.full_after_days) <= today < expires:
                found.append((policy.rule("fully_vaccinated"), expires))
            else:
                found.append((policy.rule("partly_vaccinated"), None))
        elif kind == "r" and (day := _day(entry.get("fr"))) is not None:
            if day <= today < day + timedelta(days=policy.recovery_days):
                found.append((policy.rule("recovered"), day + timedelta(days=policy.recovery_days)))
        elif kind == "t" and entry.get("tr") == NOT_DETECTED:
            try:
                taken = datetime.fromisoformat(str(entry.get("sc")).replace("Z", "+00:00"))
            except ValueError:
                continue
            if taken.tzinfo is not None and taken <= at < taken + timedelta(hours=policy.negative_test_hours):
                found.append(
                    (
                        policy.rule("negative_test"),
                        (taken + timedelta(hours=policy.negative_test_hours)).date(),
                    )
                )
    if not found:
        found.append((policy.rule("nothing_known"), None))
    found.sort(key=lambda pair: ORDER[pair[0].colour])
    strongest, until = found[0]
    return Status(strongest.colour, tuple(rule for rule, _ in found), policy.name, until)
