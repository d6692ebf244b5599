"""The hotline's rules as data: which priority a request gets, its deadline, and which kind of team takes it.

Pure module, no Django. Contract
--------
* `Facts` is what the rules look at: the request's category and source, whether the person is an F0 under
  care now (an active case), whether a warning sign was reported, the severity an automatic alert
  carries (0 none .. 3 severe), whether the person is vulnerable (65 or older, pregnant, disabled,
  alone; the operator ticks it, or the age on record says so), and for a request EpiQR raises, the kind
  of alert that raised it (`ALERTS`: symptoms in quarantine, a missed diary day, a camera's crowd or
  quarantined-door alert; "" for calls, the web form and home-care alerts).
* A `RuleSet` is versioned data (name, version, effective date, source): an ordered list of
  `PriorityRule`s, where the FIRST rule whose every condition holds gives the priority and the reason
  shown to the operator, then the `default` priority; and a deadline in minutes for each priority,
  with overrides for a (category, priority). `ruleset_for(day)` picks the version in force on a day (the
  latest whose `effective_from` is on or before it; the first one before any). Every ticket stores the
  name and version that decided its priority and deadline.
* `decide(facts, ruleset)` returns a `Decision` (priority, reason, deadline minutes, team kind: the
  alert's team kind when the rule set names one, else the category's).
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

# Alerts from the other domains that raise a request (`Facts.alert`).
QUARANTINE_SYMPTOMS = "quarantine_symptoms"  # a contact in quarantine reported symptoms in the diary
QUARANTINE_DIARY_MISSED = "quarantine_diary_missed"  # a contact in quarantine gave no diary for a day
CAMERA_CROWD = "camera_crowd"  # a crowd camera's count stayed above its threshold
CAMERA_DOOR = "camera_door"  # movement through the door of a household in quarantine
ALERTS = (QUARANTINE_SYMPTOMS, QUARANTINE_DIARY_MISSED, CAMERA_CROWD, CAMERA_DOOR)


@dataclass(frozen=True)
class Facts:
    category: str
    source: str = CALL
    active_case: bool = False
    warning_sign: bool = False
    severity: int = 0
    vulnerable: bool = False
    alert: str = ""


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
    alerts: frozenset[str] = frozenset()

    def matches(self, facts: Facts) -> bool:
        return (
            (not self.alerts or facts.alert in self.alerts)
            and (not self.categories or facts.category in self.categories)
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
    alert_team_kinds: dict[str, str] = field(default_factory=dict)  # alert -> kind of team (wins)

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
    if facts.alert and facts.alert not in ALERTS:
        raise ValueError(f"unknown alert {facts.alert!r}")
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
        team_kind=ruleset.alert_team_kinds.get(facts.alert)
        or ruleset.team_kinds.get(facts.category, TEAM_CENTRE),
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

# Version 2 adds what the alerts of the quarantine and cameras domains raise, before v1's rules (so the
# generic "alert from home care" rule no longer catches them); every request without such an alert is
# decided exactly as by v1 (tests/hotline/test_rules.py proves it). Same effective date: it replaces v1
# for every day, and tickets filed under v1 keep its deadlines (`ruleset_by_label`).
HN_1022_V2 = RuleSet(
    name="hn-1022",
    version=2,
    effective_from=HN_1022_V1.effective_from,
    source=(
        HN_1022_V1.source
        + " Version 2: symptoms reported by a contact in quarantine go to the commune team the same "
        "morning (the daily follow-up of F1s by the commune health station, Ministry of Health "
        "official letter 5599/BYT-MT of 14 July 2021), a missed diary day is a call to make; a camera's "
        "sustained crowd and movement through a quarantined door go to the commune team within the hour. "
        "These priorities and deadlines are EpiQR's defaults, not fixed by any official document."
    ),
    rules=(
        PriorityRule(
            HIGH, gettext_noop("Symptoms reported in quarantine"), alerts=frozenset({QUARANTINE_SYMPTOMS})
        ),
        PriorityRule(
            LOW,
            gettext_noop("A missed diary day in quarantine: call to check"),
            alerts=frozenset({QUARANTINE_DIARY_MISSED}),
        ),
        PriorityRule(HIGH, gettext_noop("A crowd seen by a camera"), alerts=frozenset({CAMERA_CROWD})),
        PriorityRule(
            HIGH, gettext_noop("Movement through a quarantined door"), alerts=frozenset({CAMERA_DOOR})
        ),
        *HN_1022_V1.rules,
    ),
    default=HN_1022_V1.default,
    deadline_minutes=HN_1022_V1.deadline_minutes,
    deadline_overrides={
        **HN_1022_V1.deadline_overrides,
        # A crowd or a breach of quarantine is checked while it is happening (v1 gave a violation report
        # made high by a warning sign 4 hours: now 1 hour, the only v1 decision v2 changes).
        (VIOLATION, HIGH): 60,
    },
    team_kinds=HN_1022_V1.team_kinds,
    alert_team_kinds={
        QUARANTINE_SYMPTOMS: TEAM_COMMUNE,
        QUARANTINE_DIARY_MISSED: TEAM_COMMUNE,
        CAMERA_CROWD: TEAM_COMMUNE,
        CAMERA_DOOR: TEAM_COMMUNE,
    },
)

RULESETS: tuple[RuleSet, ...] = (HN_1022_V1, HN_1022_V2)


def ruleset_for(day: date, rulesets: tuple[RuleSet, ...] = RULESETS) -> RuleSet:
    """The rule set in force on `day`: the latest effective on or before it, else the earliest."""
    ordered = sorted(rulesets, key=lambda r: (r.effective_from, r.version))
    in_force = [r for r in ordered if r.effective_from <= day]
    return in_force[-1] if in_force else ordered[0]


def ruleset_by_label(label: str, rulesets: tuple[RuleSet, ...] = RULESETS) -> RuleSet | None:
    return next((r for r in rulesets if r.label == label), None)
