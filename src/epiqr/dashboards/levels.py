"""The epidemic level of a place (commune or province) by a versioned policy. No Django import.

Contract: `assess(inputs, policy)` is a pure function of the week's figures of ONE place and the level
it had before; it returns the level (1 to 4) and the reasons, in the order the policy applied them, so a
page can say why. `policy_for(day)` chooses the policy in force on a day (policies are data, never
constants in code: a new decision is a new `Policy` appended to `POLICIES`).

The policy in force since 12 October 2021 (Nghị quyết 128/NQ-CP of 11/10/2021 and its guidance,
Quyết định 4800/QĐ-BYT of 12/10/2021), as encoded here:
1. Criterion 1, new community cases per 100,000 people in the last 7 days, gives the base level by bands:
   < 20 level 1, 20 to < 50 level 2, 50 to < 150 level 3, >= 150 level 4.
2. Criterion 2, vaccination coverage of adults (share of people aged 18+ with at least one dose): when it
   does not reach the threshold (70%), the level is raised by one (at most 4). Coverage not reported
   counts as not reached (a place is not graded better than it can prove). The services pass the share
   of adults with a first dose from the vaccination domain's counts (None while no dose is on record).
3. Criterion 3, treatment capacity ("đảm bảo khả năng thu dung, điều trị của cơ sở khám bệnh, chữa bệnh các
   tuyến"): a place whose capacity criteria fail is not lowered; it keeps at least the level it had before.
   Capacity is a province's (the care domain keeps beds by facility, tier and kind); a commune is judged by
   its province's beds. Capacity not reported (no bed on record in the province) is not a failure.
   The criterion's thresholds (`CapacityRule`) could not be confirmed from the decision's published text:
   they are versioned policy values SET BY THE DEPLOYMENT (`set_by="deployment"`), and every reason that
   uses them says so. A deployment that adopts other numbers appends a new Policy with its own rule.
No population on record: no level (the rate cannot be computed).

Levels: 1 low risk (green, "new normal"), 2 medium (yellow), 3 high (orange), 4 very high (red).
"""

from dataclasses import dataclass
from datetime import date

LEVELS = (1, 2, 3, 4)


@dataclass(frozen=True)
class CapacityRule:
    """Thresholds of criterion 3 on a province's treatment beds (both must be met)."""

    icu_per_100k: float  # intensive-care beds per 100,000 people, at least
    free_share: float  # share (0..1) of all treatment beds free, at least
    set_by: str  # "deployment": chosen by this deployment, not read in the decision's text
    source: str  # what the rule stands for, and where its numbers come from


@dataclass(frozen=True)
class Beds:
    """A province's treatment beds (every tier and kind), from the care domain."""

    total: int
    free: int
    icu: int


@dataclass(frozen=True)
class CapacityVerdict:
    ok: bool
    icu_per_100k: float
    free_share: float
    rule: CapacityRule


def capacity_check(beds: Beds | None, population: int | None, rule: CapacityRule) -> CapacityVerdict | None:
    """Criterion 3 for one province: met when it has at least `rule.icu_per_100k` intensive-care beds per
    100,000 people AND at least `rule.free_share` of its beds free. None (not reported) without any bed on
    record or without a population."""
    if beds is None or beds.total <= 0 or not population or population <= 0:
        return None
    icu = beds.icu * 100_000 / population
    free = max(beds.free, 0) / beds.total
    return CapacityVerdict(icu >= rule.icu_per_100k and free >= rule.free_share, icu, free, rule)


@dataclass(frozen=True)
class Policy:
    id: str
    source: str  # the official text it encodes
    effective_from: date
    # Upper bounds (exclusive) of the weekly rate per 100,000 for levels 1, 2 and 3; above: level 4.
    rate_bands: tuple[float, float, float]
    adult_coverage_threshold: float  # share (0..1) of adults with at least one dose
    capacity: CapacityRule | None = None
    per: int = 100_000
    window_days: int = 7


QD_4800 = Policy(
    id="qd4800-2021",
    source="Quyết định 4800/QĐ-BYT, 12/10/2021 (Nghị quyết 128/NQ-CP, 11/10/2021)",
    effective_from=date(2021, 10, 12),
    rate_bands=(20.0, 50.0, 150.0),
    adult_coverage_threshold=0.70,
    capacity=CapacityRule(
        icu_per_100k=4.0,
        free_share=0.20,
        set_by="deployment",
        source="QĐ 4800/QĐ-BYT, 12/10/2021, criterion 3 (treatment capacity of every tier); thresholds set by "
        "this deployment: no number confirmed in the decision's published text",
    ),
)

POLICIES: tuple[Policy, ...] = (QD_4800,)


def policy_for(day: date, policies: tuple[Policy, ...] = POLICIES) -> Policy:
    """The policy in force on `day`: the latest whose effective date is on or before it (the first one
    for a day before every policy, so old data is still graded)."""
    chosen = policies[0]
    for policy in sorted(policies, key=lambda p: p.effective_from):
        if policy.effective_from <= day:
            chosen = policy
    return chosen


@dataclass(frozen=True)
class PlaceWeek:
    """One place's figures for the week ending on the assessed day."""

    new_cases: int
    population: int | None
    adult_coverage: float | None = None  # None: not reported (no vaccination data)
    capacity_ok: bool | None = None  # None: not reported
    previous_level: int | None = None
    capacity: CapacityVerdict | None = None  # the figures behind capacity_ok, for the reasons


@dataclass(frozen=True)
class Reason:
    code: str  # "rate", "coverage_low", "coverage_unknown", "capacity_kept", "no_population"...
    values: dict


@dataclass(frozen=True)
class Assessment:
    level: int | None
    rate: float | None  # new cases per `policy.per` people in the window
    reasons: tuple[Reason, ...]
    policy_id: str


def band_level(rate: float, policy: Policy) -> int:
    """Criterion 1 alone: the level of a weekly rate per 100,000."""
    for level, upper in zip(LEVELS, policy.rate_bands, strict=False):
        if rate < upper:
            return level
    return LEVELS[-1]


def assess(place: PlaceWeek, policy: Policy) -> Assessment:
    if not place.population or place.population <= 0:
        return Assessment(None, None, (Reason("no_population", {}),), policy.id)
    rate = place.new_cases * policy.per / place.population
    level = band_level(rate, policy)
    reasons = [Reason("rate", {"cases": place.new_cases, "rate": round(rate, 1), "level": level})]
    if place.adult_coverage is None or place.adult_coverage < policy.adult_coverage_threshold:
        raised = min(level + 1, LEVELS[-1])
        code = "coverage_unknown" if place.adult_coverage is None else "coverage_low"
        reasons.append(
            Reason(
                code,
                {
                    "coverage": None
                    if place.adult_coverage is None
                    else round(place.adult_coverage * 100, 1),
                    "threshold": round(policy.adult_coverage_threshold * 100, 1),
                    "level": raised,
                },
            )
        )
        level = raised
    if place.capacity is not None:
        c = place.capacity
        reasons.append(
            Reason(
                "capacity_met" if c.ok else "capacity_failed",
                {
                    "icu": round(c.icu_per_100k, 1),
                    "free": round(c.free_share * 100, 1),
                    "icu_threshold": c.rule.icu_per_100k,
                    "free_threshold": round(c.rule.free_share * 100, 1),
                    "set_by": c.rule.set_by,
                },
            )
        )
    elif policy.capacity is not None and place.capacity_ok is None:
        reasons.append(Reason("capacity_unknown", {}))
    capacity_ok = place.capacity.ok if place.capacity is not None else place.capacity_ok
    if capacity_ok is False and place.previous_level is not None and place.previous_level > level:
        level = place.previous_level
        reasons.append(Reason("capacity_kept", {"level": level}))
    return Assessment(level, rate, tuple(reasons), policy.id)
