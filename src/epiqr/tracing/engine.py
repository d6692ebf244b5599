"""The exposure engine: who was where the F0 was, when. Pure functions over dataclasses and named tuples,
no Django.

Contract
--------
* A `Visit` is one check-in: a person at a venue from `start` to `end` (the check-out) or, when there is
  no check-out (or a check-out at or before the check-in), to `start` plus the policy's default dwell for
  the venue's sector. Presence is capped at `max_presence_minutes` so that a forgotten check-out cannot
  make someone present for days. All times must be timezone-aware; they are compared as instants, so
  check-ins recorded in different time zones and visits crossing midnight need no special handling.
* A `Policy` is versioned data (name, version, effective date, rule, parameters). Three rules:
  - ``window``  (`vn-window-60`): a contact checked in at the same venue no more than `window_minutes`
    before or after the source's check-in (both ends inclusive). The overlap of presence decides the
    risk class: high at `high_risk_minutes` or more, else low.
  - ``overlap`` (`overlap-15`): presence intervals overlap by at least `min_overlap_minutes`
    (inclusive). Intervals that only touch overlap by 0 minutes. Every contact is high risk.
  - ``cwa``     (`cwa-weighted`): Corona-Warn-App presence tracing. The source's presence is widened to
    the 10-minute grid (start floored, end ceiled); the contact's check-in keeps its exact times. The
    overlap in minutes (rounded) is capped at `cap_minutes`; check-ins shorter than
    `min_checkin_minutes` are dropped; weighted minutes = overlap x weight of the transmission risk
    level (1-8); high risk at `high_risk_weighted_minutes` or more, else low.
* `trace()` runs the whole search against a `VisitStore` (the database in production, a list in tests),
  asking it once per degree for the index persons' visits and every check-in within `reach(policy)` of
  them (a superset; the engine decides). F1 = contacts of the index persons' visits inside their
  periods; F2 (degree 2) = contacts of the F1s' visits that start at or after the moment they were
  exposed (the later of the two arrivals), until `until`. Index persons and people who are already
  cases are never contacts. Each person appears once, at their lowest degree, carrying every exposure
  of that degree that put them there (an F0 who visited one venue twice gives one exposure per visit).
"""

from __future__ import annotations

import bisect
import math
from collections import defaultdict
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from datetime import date, datetime, timedelta
from typing import NamedTuple, Protocol

from epiqr.core.memory import gc_paused

RULES = ("window", "overlap", "cwa")
RISK_HIGH = "high"
RISK_LOW = "low"
# Corona-Warn-App weights of transmission risk levels 1..8 (index 0 is level 1).
CWA_TRL_WEIGHTS = (0.0, 0.0, 0.6, 0.8, 1.0, 1.2, 1.4, 1.6)


@dataclass(frozen=True)
class Policy:
    """A rule deciding who is a contact, with every number it uses. Stored as data, chosen per run."""

    name: str
    rule: str
    version: int = 1
    effective_from: date = date(2021, 1, 1)
    window_minutes: int = 60
    min_overlap_minutes: int = 15
    high_risk_minutes: int = 15
    default_dwell_minutes: int = 60
    dwell_by_sector: Mapping[str, int] = field(default_factory=dict)
    max_presence_minutes: int = 8 * 60
    infectious_days_before: int = 2
    grid_minutes: int = 10
    min_checkin_minutes: int = 10
    cap_minutes: int = 30
    transmission_risk_level: int = 6
    trl_weights: tuple[float, ...] = CWA_TRL_WEIGHTS
    high_risk_weighted_minutes: float = 10.0

    def __post_init__(self) -> None:
        if self.rule not in RULES:
            raise ValueError(f"unknown rule {self.rule!r}")
        if not 1 <= self.transmission_risk_level <= len(self.trl_weights):
            raise ValueError("transmission risk level out of range")

    def dwell(self, sector: str) -> timedelta:
        return timedelta(minutes=self.dwell_by_sector.get(sector, self.default_dwell_minutes))

    def to_dict(self) -> dict:
        """A JSON-ready snapshot, as stored with each run."""
        return {
            "name": self.name,
            "rule": self.rule,
            "version": self.version,
            "effective_from": self.effective_from.isoformat(),
            "window_minutes": self.window_minutes,
            "min_overlap_minutes": self.min_overlap_minutes,
            "high_risk_minutes": self.high_risk_minutes,
            "default_dwell_minutes": self.default_dwell_minutes,
            "dwell_by_sector": dict(self.dwell_by_sector),
            "max_presence_minutes": self.max_presence_minutes,
            "infectious_days_before": self.infectious_days_before,
            "grid_minutes": self.grid_minutes,
            "min_checkin_minutes": self.min_checkin_minutes,
            "cap_minutes": self.cap_minutes,
            "transmission_risk_level": self.transmission_risk_level,
            "trl_weights": list(self.trl_weights),
            "high_risk_weighted_minutes": self.high_risk_weighted_minutes,
        }

    @classmethod
    def from_dict(cls, data: Mapping) -> Policy:
        known = {f for f in cls.__dataclass_fields__}
        values = {k: v for k, v in data.items() if k in known}
        if isinstance(values.get("effective_from"), str):
            values["effective_from"] = date.fromisoformat(values["effective_from"])
        if "trl_weights" in values:
            values["trl_weights"] = tuple(float(w) for w in values["trl_weights"])
        if "dwell_by_sector" in values:
            values["dwell_by_sector"] = {str(k): int(v) for k, v in values["dwell_by_sector"].items()}
        return cls(**values)


@dataclass(frozen=True)
class Visit:
    """One check-in. `end` is the check-out or None (still open / never checked out)."""

    checkin_id: int
    person_id: int
    venue_id: int
    start: datetime
    end: datetime | None = None
    sector: str = ""


class Exposure(NamedTuple):
    """One reason a person is a contact: their visit met a source visit at the same venue.

    Immutable like the dataclasses here, but a named tuple: a busy F0's trace makes thousands of them from
    columns (batch.BatchResult.contacts_of), and a tuple is made seven times faster than a frozen dataclass.
    """

    person_id: int
    degree: int
    venue_id: int
    checkin_id: int
    start: datetime
    end: datetime
    source_person_id: int
    source_checkin_id: int
    source_start: datetime
    source_end: datetime
    overlap_minutes: float
    weighted_minutes: float | None
    risk: str

    @property
    def exposed_at(self) -> datetime:
        """The moment the exposure began: the later of the two arrivals."""
        return max(self.start, self.source_start)


class Contact(NamedTuple):
    """A person found by the trace at their lowest degree, with every exposure of that degree (a named
    tuple for the same reason as Exposure)."""

    person_id: int
    degree: int
    exposures: tuple[Exposure, ...]

    @property
    def risk(self) -> str:
        return RISK_HIGH if any(e.risk == RISK_HIGH for e in self.exposures) else RISK_LOW

    @property
    def first_exposed_at(self) -> datetime:
        return min(e.exposed_at for e in self.exposures)

    @property
    def overlap_minutes(self) -> float:
        return max(e.overlap_minutes for e in self.exposures)


@dataclass(frozen=True)
class Window:
    """Check-ins at `venue_id` whose check-in time lies in [lo, hi] (inclusive) may match."""

    venue_id: int
    lo: datetime
    hi: datetime


@dataclass(frozen=True)
class Period:
    """An index person's infectious period (inclusive)."""

    person_id: int
    start: datetime
    end: datetime


@dataclass
class TraceResult:
    policy: Policy
    degree: int
    index_visits: list[Visit]
    contacts: list[Contact]
    skipped_cases: set[int]

    def by_degree(self, degree: int) -> list[Contact]:
        return [c for c in self.contacts if c.degree == degree]


class VisitStore(Protocol):
    """Where visits come from: the check-in table in production, a list in tests (both in `store`)."""

    def visits_of(self, periods: Sequence[Period]) -> list[Visit]:
        """Every visit of each period's person that starts inside the period."""

    def visits_in(self, windows: Sequence[Window]) -> list[Visit]:
        """Every visit at each window's venue whose check-in time lies inside the window."""

    def visits_around(
        self, periods: Sequence[Period], before: timedelta, after: timedelta
    ) -> tuple[list[Visit], list[Visit]]:
        """In one go: the periods' visits, and every visit at the same venue whose check-in time lies
        between `before` ahead of and `after` behind one of them (a superset of the candidates;
        duplicates removed)."""

    def cases_among(self, person_ids: set[int]) -> set[int]:
        """Those of these people who are already cases (they are not listed as contacts)."""


def _require_aware(dt: datetime) -> datetime:
    if dt.tzinfo is None:  # (every tzinfo the stores produce gives an offset: no utcoffset() call here)
        raise ValueError("naive datetime: the engine needs timezone-aware times")
    return dt


def presence(visit: Visit, policy: Policy) -> tuple[datetime, datetime]:
    """The interval a visit counts as present: check-out, or the sector's default dwell; capped."""
    start = _require_aware(visit.start)
    cap = start + timedelta(minutes=policy.max_presence_minutes)
    if visit.end is not None and _require_aware(visit.end) > start:
        return start, min(visit.end, cap)
    return start, min(start + policy.dwell(visit.sector), cap)


def overlap_minutes(a: tuple[datetime, datetime], b: tuple[datetime, datetime]) -> float:
    """Minutes two intervals share; touching intervals share 0."""
    seconds = (min(a[1], b[1]) - max(a[0], b[0])).total_seconds()
    return max(0.0, seconds / 60.0)


def _floor_grid(dt: datetime, minutes: int) -> datetime:
    step = minutes * 60
    ts = dt.timestamp()
    return dt - timedelta(seconds=ts - math.floor(ts / step) * step)


def _ceil_grid(dt: datetime, minutes: int) -> datetime:
    step = minutes * 60
    ts = dt.timestamp()
    return dt + timedelta(seconds=math.ceil(ts / step) * step - ts)


def cwa_overlap_minutes(
    warning: tuple[datetime, datetime], checkin: tuple[datetime, datetime], *, grid_minutes: int = 10
) -> int:
    """CWA: the warning widened to the grid against the exact check-in, in whole minutes (rounded)."""
    widened = (_floor_grid(warning[0], grid_minutes), _ceil_grid(warning[1], grid_minutes))
    return int(math.floor(overlap_minutes(widened, checkin) + 0.5))


def match(source: Visit, other: Visit, policy: Policy, *, degree: int = 1) -> Exposure | None:
    """The exposure of `other` to `source` under the policy, or None. Same venue required."""
    if source.venue_id != other.venue_id or source.person_id == other.person_id:
        return None
    return _match(source, presence(source, policy), other, presence(other, policy), policy, degree)


def _match(
    source: Visit,
    src: tuple[datetime, datetime],
    other: Visit,
    oth: tuple[datetime, datetime],
    policy: Policy,
    degree: int,
) -> Exposure | None:
    """match() with both presence intervals already computed (the hot loop of exposures_from)."""
    weighted: float | None = None
    if policy.rule == "window":
        gap = abs((other.start - source.start).total_seconds())
        if gap > policy.window_minutes * 60:
            return None
        minutes = overlap_minutes(src, oth)
        risk = RISK_HIGH if minutes >= policy.high_risk_minutes else RISK_LOW
    elif policy.rule == "overlap":
        minutes = overlap_minutes(src, oth)
        if minutes <= 0 or minutes < policy.min_overlap_minutes:
            return None
        risk = RISK_HIGH
    else:
        if (oth[1] - oth[0]).total_seconds() < policy.min_checkin_minutes * 60:
            return None
        raw = cwa_overlap_minutes(src, oth, grid_minutes=policy.grid_minutes)
        if raw <= 0:
            return None
        minutes = float(min(raw, policy.cap_minutes))
        weighted = minutes * policy.trl_weights[policy.transmission_risk_level - 1]
        risk = RISK_HIGH if weighted >= policy.high_risk_weighted_minutes else RISK_LOW
    return Exposure(
        person_id=other.person_id,
        degree=degree,
        venue_id=other.venue_id,
        checkin_id=other.checkin_id,
        start=oth[0],
        end=oth[1],
        source_person_id=source.person_id,
        source_checkin_id=source.checkin_id,
        source_start=src[0],
        source_end=src[1],
        overlap_minutes=round(minutes, 2),
        weighted_minutes=weighted,
        risk=risk,
    )


def candidate_window(source: Visit, policy: Policy) -> Window:
    """The check-in times at the source's venue that can possibly match the source visit."""
    if policy.rule == "window":
        span = timedelta(minutes=policy.window_minutes)
        return Window(source.venue_id, source.start - span, source.start + span)
    start, end = presence(source, policy)
    if policy.rule == "cwa":
        start, end = _floor_grid(start, policy.grid_minutes), _ceil_grid(end, policy.grid_minutes)
    # Anyone present during [start, end) arrived before `end` and, presence being capped, after
    # start - max_presence.
    return Window(source.venue_id, start - timedelta(minutes=policy.max_presence_minutes), end)


def reach(policy: Policy) -> tuple[timedelta, timedelta]:
    """How far before and after a source's check-in time any candidate_window() can reach."""
    if policy.rule == "window":
        span = timedelta(minutes=policy.window_minutes)
        return span, span
    span = timedelta(
        minutes=policy.max_presence_minutes + (policy.grid_minutes if policy.rule == "cwa" else 0)
    )
    return span, span


def merge_windows(windows: Iterable[Window]) -> list[Window]:
    """Overlapping windows at one venue merged, so a query returns each check-in once."""
    by_venue: dict[int, list[Window]] = defaultdict(list)
    for w in windows:
        by_venue[w.venue_id].append(w)
    merged: list[Window] = []
    for venue_id, items in by_venue.items():
        items.sort(key=lambda w: w.lo)
        lo, hi = items[0].lo, items[0].hi
        for w in items[1:]:
            if w.lo <= hi:
                hi = max(hi, w.hi)
            else:
                merged.append(Window(venue_id, lo, hi))
                lo, hi = w.lo, w.hi
        merged.append(Window(venue_id, lo, hi))
    return merged


def exposures_from(
    sources: Sequence[Visit], candidates: Sequence[Visit], policy: Policy, *, degree: int
) -> list[Exposure]:
    """Every (source, candidate) pair that matches; candidates are indexed by venue and check-in time."""
    by_venue: dict[int, list[Visit]] = defaultdict(list)
    for c in candidates:
        by_venue[c.venue_id].append(c)
    starts: dict[int, list[datetime]] = {}
    for venue_id, items in by_venue.items():
        items.sort(key=lambda v: (v.start, v.checkin_id))
        starts[venue_id] = [v.start for v in items]
    found: list[Exposure] = []
    present: dict[int, tuple[datetime, datetime]] = {}  # each candidate's presence, computed once
    for source in sources:
        items = by_venue.get(source.venue_id)
        if not items:
            continue
        src = presence(source, policy)
        w = candidate_window(source, policy)
        keys = starts[source.venue_id]
        lo, hi = bisect.bisect_left(keys, w.lo), bisect.bisect_right(keys, w.hi)
        for other in items[lo:hi]:
            if other.person_id == source.person_id:
                continue
            oth = present.get(other.checkin_id)
            if oth is None:
                oth = present[other.checkin_id] = presence(other, policy)
            exposure = _match(source, src, other, oth, policy, degree)
            if exposure is not None:
                found.append(exposure)
    return found


def assemble(exposures: Iterable[Exposure], *, excluded: set[int]) -> list[Contact]:
    """One contact per person at their lowest degree with all exposures of that degree."""
    best: dict[int, int] = {}
    grouped: dict[int, list[Exposure]] = defaultdict(list)
    for e in exposures:
        if e.person_id in excluded:
            continue
        if e.person_id not in best or e.degree < best[e.person_id]:
            best[e.person_id] = e.degree
        grouped[e.person_id].append(e)
    contacts = []
    for person_id, items in grouped.items():
        kept = [e for e in items if e.degree == best[person_id]]
        if len(kept) > 1:
            kept.sort(key=lambda e: (e.start, e.venue_id, e.source_checkin_id, e.checkin_id))
        contacts.append(Contact(person_id, best[person_id], tuple(kept)))
    contacts.sort(key=lambda c: (c.degree, c.first_exposed_at, c.person_id))
    return contacts


def trace(
    *,
    periods: Sequence[Period],
    store: VisitStore,
    policy: Policy,
    degree: int = 1,
    known_cases: Iterable[int] = (),
    until: datetime | None = None,
) -> TraceResult:
    """F1 (and F2 when degree is 2) of the index persons, as described in the module contract.

    `until` ends the F1s' own periods for the F2 search (the run's time; default the latest index end):
    an F1 keeps spreading after the F0 is isolated, until the F1 is found.
    """
    if degree not in (1, 2):
        raise ValueError("degree must be 1 or 2")
    with gc_paused():
        return _trace(periods, store, policy, degree, set(known_cases), until)


def _trace(periods, store, policy, degree, known_cases, until) -> TraceResult:
    for p in periods:
        _require_aware(p.start)
        _require_aware(p.end)
    index_ids = {p.person_id for p in periods}
    before, after = reach(policy)
    found, candidates = store.visits_around(periods, before, after)
    index_visits = sorted(found, key=lambda v: (v.start, v.checkin_id))
    first = exposures_from(index_visits, candidates, policy, degree=1)
    cases = set(known_cases) | index_ids | store.cases_among({e.person_id for e in first} - index_ids)
    skipped = {e.person_id for e in first if e.person_id in cases} - index_ids
    exposures = [e for e in first if e.person_id not in cases]
    if degree == 2 and exposures:
        f1 = assemble(exposures, excluded=cases)
        f1_until = _require_aware(until) if until is not None else max(p.end for p in periods)
        f1_periods = [Period(c.person_id, c.first_exposed_at, f1_until) for c in f1]
        f1_visits, candidates = store.visits_around(f1_periods, before, after)
        second = exposures_from(f1_visits, candidates, policy, degree=2)
        cases |= store.cases_among({e.person_id for e in second} - cases)
        skipped |= {e.person_id for e in second if e.person_id in cases} - index_ids
        exposures += second
    return TraceResult(
        policy=policy,
        degree=degree,
        index_visits=index_visits,
        contacts=assemble(exposures, excluded=cases),
        skipped_cases=skipped,
    )
