"""The hotline's rules as data: which priority a request gets, its deadline, and which kind of team takes it.

Pure module, no Django. Contract
--------
* `Facts` is what the rules look at: the request's category and source, whether the person is an F0 under
  care now (an active case), whether a warning sign was reported, the severity an automatic alert
  carries (0 none .. 3 severe), and whether the person is vulnerable (65 or older, pregnant, disabled,
  alone; the operator ticks it, or the age on record says so).
* A `RuleSet` is versioned data (name, version, effective date, source): an ordered list of
  `PriorityRule`s, where the FIRST rule whose every condition holds gives the priority and the reason
  shown to the operator, then the `default` priority; and a deadline in minutes for each priority,
  with overrides for a (category, priority). `ruleset_for(day)` picks the version in force on a day (the
  latest whose `effective_from` is on or before it; the first one before any). Every ticket stores the
  name and version that decided its priority and deadline.
* `decide(facts, ruleset)` returns a `Decision` (priority, reason, deadline minutes, team kind).
* Priorities are ranks (0 urgent .. 3 low): a queue sorted by rank then deadline reads the most urgent
  first.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date


def gettext_noop(message: str) -> str:
    """Marks a message id for the vi catalogue (translated where it is shown)."""
    return message


# Categories of a request (the console's shortcut keys 1..8 follow this order).
F0_CARE = "f0_care"
EMERGENCY = "emergency"
SUPPLIES = "supplies"
PERMITS = "permits"
TEST_RESULTS = "test_results"
VACCINATION = "vaccination"
VIOLATION = "violation"
OTHER = "other"
CATEGORIES = (F0_CARE, EMERGENCY, SUPPLIES, PERMITS, TEST_RESULTS, VACCINATION, VIOLATION, OTHER)

# Priorities, as ranks: a lower number is more urgent.
URGENT, HIGH, NORMAL, LOW = 0, 1, 2, 3
PRIORITIES = (URGENT, HIGH, NORMAL, LOW)

# Where a request comes from.
CALL, WEB, SYSTEM = "call", "web", "system"
SOURCES = (CALL, WEB, SYSTEM)

# Kinds of team (the `Team.kind` values).
TEAM_CENTRE = "centre"  # the province's 1022 centre: operators, and the top of every escalation
TEAM_COMMUNE = "commune"  # a commune's or ward's steering team
TEAM_AREA = "area"  # a group of communes (the former district's level, kept by many cities)
TEAM_MEDICAL = "medical"  # a mobile medical team or the commune health station
TEAM_VOLUNTEER = "volunteer"  # a volunteer group (food, supplies)
TEAM_KINDS = (TEAM_CENTRE, TEAM_COMMUNE, TEAM_AREA, TEAM_MEDICAL, TEAM_VOLUNTEER)


@dataclass(frozen=True)
class Facts:
    category: str
    source: str = CALL
    active_case: bool = False
    warning_sign: bool = False
    severity: int = 0
    vulnerable: bool = False


@dataclass(frozen=True)
class PriorityRule:
    """A condition on the facts and the priority it gives. None/empty conditions match anything."""

    priority: int
    reason: str  # an English message id, translated where shown
    categories: frozenset[str] = frozenset()
    sources: frozenset[str] = frozenset()
    active_case: bool | None = None
    warning_sign: bool | None = None
    min_severity: int | None = None
    vulnerable: bool | None = None

    def matches(self, facts: Facts) -> bool:
        return (
            (not self.categories or facts.category in self.categories)
            and (not self.sources or facts.source in self.sources)
            and (self.active_case is None or facts.active_case == self.active_case)
            and (self.warning_sign is None or facts.warning_sign == self.warning_sign)
            and (self.min_severity is None or facts.severity >= self.min_severity)
            and (self.vulnerable is None or facts.vulnerable == self.vulnerable)
        )


@dataclass(frozen=True)
class RuleSet:
    name: str
    version: int
    effective_from: date
    source: str  # where the rules come from (an official document, or the hotline's own service levels)
    rules: tuple[PriorityRule, ...]
    default: int
    deadline_minutes: dict[int, int]  # per priority
    deadline_overrides: dict[tuple[str, int], int] = field(default_factory=dict)  # (category, priority)
    team_kinds: dict[str, str] = field(default_factory=dict)  # category -> kind of team that takes it

    def __post_init__(self) -> None:
        if set(self.deadline_minutes) != set(PRIORITIES):
            raise ValueError(f"{self.name}: a deadline for every priority is needed")
        if any(m <= 0 for m in (*self.deadline_minutes.values(), *self.deadline_overrides.values())):
            raise ValueError(f"{self.name}: deadlines are positive minutes")
        if self.default not in PRIORITIES or any(r.priority not in PRIORITIES for r in self.rules):
            raise ValueError(f"{self.name}: unknown priority")

    @property
    def label(self) -> str:
        return f"{self.name}/{self.version}"

    def deadline(self, category: str, priority: int) -> int:
        return self.deadline_overrides.get((category, priority), self.deadline_minutes[priority])


@dataclass(frozen=True)
class Decision:
    priority: int
    reason: str
    deadline_minutes: int
    team_kind: str
    ruleset: str


def decide(facts: Facts, ruleset: RuleSet) -> Decision:
    """The first matching rule's priority (else the default), its deadline and the team kind."""
    if facts.category not in CATEGORIES:
        raise ValueError(f"unknown category {facts.category!r}")
    for rule in ruleset.rules:
        if rule.matches(facts):
            priority, reason = rule.priority, rule.reason
            break
    else:
        priority, reason = ruleset.default, gettext_noop("Default priority")
    return Decision(
        priority=priority,
        reason=reason,
        deadline_minutes=ruleset.deadline(facts.category, priority),
        team_kind=ruleset.team_kinds.get(facts.category, TEAM_CENTRE),
        ruleset=ruleset.label,
    )


def is_vulnerable_age(*, birth_year: int | None, today: date) -> bool:
    """65 or older this year (the age groups vaccinated and followed first in 2021)."""
    return birth_year is not None and today.year - birth_year >= 65


# --- the rule sets EpiQR ships with ---------------------------------------------------------------------

HN_1022_V1 = RuleSet(
    name="hn-1022",
    version=1,
    effective_from=date(2021, 8, 28),
    source=(
        "Warning signs of an F0 at home go to the medical team at once: Ministry of Health decision "
        "4156/QĐ-BYT of 28 August 2021 (care of COVID-19 patients at home). The deadlines are EpiQR's "
        "default service levels for a city hotline, not set by any official document: a hotline "
        "supervisor publishes its own as a new version."
    ),
    rules=(
        PriorityRule(URGENT, gettext_noop("An F0 with a warning sign"), warning_sign=True, active_case=True),
        PriorityRule(
            URGENT,
            gettext_noop("A warning sign reported for care at home"),
            warning_sign=True,
            categories=frozenset({F0_CARE}),
        ),
        PriorityRule(URGENT, gettext_noop("An emergency"), categories=frozenset({EMERGENCY})),
        PriorityRule(
            URGENT, gettext_noop("A severe alert from home care"), sources=frozenset({SYSTEM}), min_severity=2
        ),
        PriorityRule(HIGH, gettext_noop("An alert from home care"), sources=frozenset({SYSTEM})),
        PriorityRule(HIGH, gettext_noop("An F0 needing care"), categories=frozenset({F0_CARE})),
        PriorityRule(
            HIGH,
            gettext_noop("A vulnerable person without food or supplies"),
            categories=frozenset({SUPPLIES}),
            vulnerable=True,
        ),
        PriorityRule(HIGH, gettext_noop("A warning sign reported"), warning_sign=True),
        PriorityRule(LOW, gettext_noop("Information request"), categories=frozenset({PERMITS, VACCINATION})),
    ),
    default=NORMAL,
    deadline_minutes={URGENT: 30, HIGH: 4 * 60, NORMAL: 24 * 60, LOW: 72 * 60},
    deadline_overrides={
        (EMERGENCY, URGENT): 15,  # an ambulance (115) is called during the call; the team checks at once
        (F0_CARE, HIGH): 2 * 60,
        (SUPPLIES, HIGH): 8 * 60,
        (SUPPLIES, NORMAL): 24 * 60,
        (TEST_RESULTS, NORMAL): 8 * 60,
    },
    team_kinds={
        F0_CARE: TEAM_MEDICAL,
        EMERGENCY: TEAM_MEDICAL,
        SUPPLIES: TEAM_COMMUNE,
        PERMITS: TEAM_COMMUNE,
        VIOLATION: TEAM_COMMUNE,
        TEST_RESULTS: TEAM_CENTRE,
        VACCINATION: TEAM_CENTRE,
        OTHER: TEAM_CENTRE,
    },
)

RULESETS: tuple[RuleSet, ...] = (HN_1022_V1,)


def ruleset_for(day: date, rulesets: tuple[RuleSet, ...] = RULESETS) -> RuleSet:
    """The rule set in force on `day`: the latest effective on or before it, else the earliest."""
    ordered = sorted(rulesets, key=lambda r: (r.effective_from, r.version))
    in_force = [r for r in ordered if r.effective_from <= day]
    return in_force[-1] if in_force else ordered[0]


def ruleset_by_label(label: str, rulesets: tuple[RuleSet, ...] = RULESETS) -> RuleSet | None:
    return next((r for r in rulesets if r.label == label), None)
