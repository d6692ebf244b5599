"""Tracing many F0s together: the engine's F1 rules over columns of integers, for batches.

`engine.py` stays the definition of every policy. This module computes, for a batch of index persons,
exactly the F1 exposures and contacts `engine.trace()` finds for each of them on their own, but over
numpy columns instead of one Python object per check-in: a batch of a thousand F0s in a busy city meets
hundreds of thousands of check-ins, and objects cost microseconds each where a column costs
nanoseconds. `tests/tracing/test_batch_oracle.py` proves the two equal on random worlds for every policy.

Contract
--------
* Input is `Pairs`: every (source visit, candidate visit) pair at the same venue that the store found
  within `engine.reach(policy)` of the source's check-in (a superset; the rules decide). Times are
  integer microseconds since the Unix epoch; a visit with no check-out has `end` = `NO_END`.
* `trace_pairs()` applies the policy's rule to each pair (the same presence, overlap, grid and rounding
  arithmetic as the engine, on integers), drops people in `excluded` (the batch's F0s and people who are
  already cases) and groups what is left per F0 into contacts ordered as `engine.assemble` orders them.
* `BatchResult` keeps the columns; `contacts_of(person_id)` turns one F0's contacts into the engine's
  `Contact`/`Exposure` objects when someone needs them, so a batch pays for objects only where it uses them.
* F2 of one F0 (`trace_columns` at degree 2; `.result()` gives the engine's objects): the F1 step as above, then ONE read of the pairs around the F1s'
  seeding visits (`seed_periods`: each F1's visits from the moment they were first exposed until `until`)
  and `trace_pairs(degree=2)` on them: every exposure then belongs to the F0, the F1s and the cases met
  at F1 are left out. What `engine.trace(degree=2)` gives, proven equal by tests/tracing/test_batch_f2.py.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from itertools import repeat
from typing import Protocol

import numpy as np

from epiqr.core.memory import gc_paused

from . import engine

NO_END = -1
MINUTE = 60_000_000  # microseconds
EPOCH = datetime(1970, 1, 1, tzinfo=UTC)
PAIR_COLUMNS = (
    "source_person",
    "source_checkin",
    "source_start",
    "source_end",
    "venue",
    "person",
    "checkin",
    "start",
    "end",
    "is_case",
)


@dataclass(frozen=True)
class Pairs:
    """(source visit, candidate visit) pairs at one venue, a column each, all of equal length."""

    source_person: np.ndarray
    source_checkin: np.ndarray
    source_start: np.ndarray
    source_end: np.ndarray
    venue: np.ndarray
    person: np.ndarray
    checkin: np.ndarray
    start: np.ndarray
    end: np.ndarray
    is_case: np.ndarray  # the candidate is already a case (never a contact)

    @classmethod
    def from_columns(cls, columns: Sequence[np.ndarray]) -> Pairs:
        return cls(*(np.ascontiguousarray(c, dtype=np.int64) for c in columns))

    @classmethod
    def from_rows(cls, rows: Iterable[Sequence[int]]) -> Pairs:
        table = np.array(list(rows), dtype=np.int64).reshape(-1, len(PAIR_COLUMNS))
        return cls.from_columns(table.T)

    def __len__(self) -> int:
        return len(self.person)


def micros(dt: datetime | None) -> int:
    """An aware datetime as integer microseconds since the epoch (`NO_END` for None)."""
    if dt is None:
        return NO_END
    delta = engine._require_aware(dt) - EPOCH
    return (delta.days * 86_400 + delta.seconds) * 1_000_000 + delta.microseconds


def from_micros(value: int) -> datetime:
    """The inverse of micros(). Through a float of seconds, twice as fast as adding a timedelta and exact:
    until the year 2100 a double's error on the seconds is under 0.25 microsecond, and fromtimestamp
    rounds to the nearest (tests/tracing/test_batch_oracle.py)."""
    return datetime.fromtimestamp(int(value) / 1_000_000, UTC)


def from_micros_many(values: np.ndarray) -> list[datetime]:
    """from_micros() of each value, the same float of seconds divided by numpy (IEEE division of the same
    two doubles, so the same instants; tested) and each datetime made from C: 0.2 µs a value instead of
    0.3, for the hundreds of instants of every F0's contacts."""
    return list(
        map(datetime.fromtimestamp, (np.asarray(values, dtype=np.int64) / 1_000_000).tolist(), repeat(UTC))
    )


def _presence_end(start: np.ndarray, end: np.ndarray, dwell: np.ndarray, policy: engine.Policy) -> np.ndarray:
    """engine.presence() on columns: the check-out when after the check-in, else the dwell; capped."""
    cap = start + policy.max_presence_minutes * MINUTE
    checked_out = (end != NO_END) & (end > start)
    return np.minimum(np.where(checked_out, end, start + dwell), cap)


def _dwell(venue: np.ndarray, sectors: Mapping[int, str], policy: engine.Policy) -> np.ndarray:
    """Each pair's default dwell in microseconds, from its venue's sector."""
    if not policy.dwell_by_sector:
        return np.full(len(venue), policy.default_dwell_minutes * MINUTE, dtype=np.int64)
    default = policy.default_dwell_minutes
    unknown = policy.dwell_by_sector.get("", default)  # a venue without a sector
    known = np.fromiter(sectors, dtype=np.int64, count=len(sectors))
    minutes = np.fromiter(
        (policy.dwell_by_sector.get(sectors[v], default) for v in sectors), dtype=np.int64, count=len(sectors)
    )
    if not len(venue) or not len(known):
        return np.full(len(venue), unknown * MINUTE, dtype=np.int64)
    top = int(max(venue.max(), known.max()))
    if venue.min() >= 0 and top < 8 * len(venue) + 4096:
        # Many pairs (a batch): one lookup per pair in a table indexed by venue id.
        table = np.full(top + 1, unknown, np.int64)
        table[known] = minutes
        return table[venue] * MINUTE
    # Few pairs (one F0) among large venue ids: a table that size would cost more than the pairs.
    order = np.argsort(known)
    known, minutes = known[order], minutes[order]
    at = np.minimum(np.searchsorted(known, venue), len(known) - 1)
    return np.where(known[at] == venue, minutes[at], unknown) * MINUTE


def _minutes(micro: np.ndarray) -> np.ndarray:
    """Microseconds to minutes with the engine's float steps (seconds first, then / 60)."""
    return (micro / 1_000_000) / 60.0


@dataclass(frozen=True)
class BatchResult:
    """Every F0's contacts of one degree (F1, or F2 of one F0), as columns. Exposures are sorted by F0 and
    contact, and within a contact in the engine's order; contacts by F0, then first exposure, then person
    (engine.assemble's order)."""

    policy: engine.Policy
    index_ids: tuple[int, ...]
    exposures: dict[str, np.ndarray]
    contact_source: np.ndarray
    contact_person: np.ndarray
    contact_first: np.ndarray
    contact_high: np.ndarray
    contact_bounds: np.ndarray  # contact i owns exposures[contact_bounds[i]:contact_bounds[i + 1]]
    skipped: frozenset[int] = frozenset()  # people the rule matched who are already cases (left out)
    degree: int = 1

    @property
    def contact_count(self) -> int:
        return len(self.contact_person)

    def _span(self, person_id: int) -> tuple[int, int]:
        lo = int(np.searchsorted(self.contact_source, person_id, side="left"))
        return lo, int(np.searchsorted(self.contact_source, person_id, side="right"))

    def counts(self) -> dict[int, tuple[int, int]]:
        """Per F0: (contacts, high-risk contacts)."""
        out = {pid: (0, 0) for pid in self.index_ids}
        sources, first = np.unique(self.contact_source, return_index=True)
        ends = np.append(first[1:], len(self.contact_source))[: len(first)]
        high = np.concatenate(([0], np.cumsum(self.contact_high)))
        for pid, lo, hi in zip(sources.tolist(), first.tolist(), ends.tolist(), strict=True):
            out[pid] = (hi - lo, int(high[hi] - high[lo]))
        return out

    def contacts_of(self, person_id: int) -> list[engine.Contact]:
        """One F0's contacts as engine objects, equal to what engine.trace() gives for that F0 alone."""
        lo, hi = self._span(person_id)
        a, b = int(self.contact_bounds[lo]), int(self.contact_bounds[hi])
        ex = {k: v[a:b] for k, v in self.exposures.items()}
        times = _instants(np.concatenate([ex["start"], ex["end"], ex["source_start"], ex["source_end"]]))
        n = b - a
        weighted = ex["weighted"].tolist() if self.policy.rule == "cwa" else [None] * n
        risks = [engine.RISK_HIGH if h else engine.RISK_LOW for h in ex["high"].tolist()]
        # Positional, in Exposure's field order: _make skips the keyword parsing of each of thousands.
        made = list(
            map(
                engine.Exposure._make,
                zip(
                    ex["person"].tolist(), repeat(self.degree, n), ex["venue"].tolist(), ex["checkin"].tolist(),
                    times[:n], times[n : 2 * n], ex["source_person"].tolist(), ex["source_checkin"].tolist(),
                    times[2 * n : 3 * n], times[3 * n :], _rounded(ex["minutes"]).tolist(), weighted, risks,
                    strict=True,
                ),
            )
        )  # fmt: skip
        bounds = (self.contact_bounds[lo : hi + 1] - a).tolist()
        degree = self.degree
        return [
            engine.Contact(person, degree, tuple(made[start:end]))
            for person, start, end in zip(
                self.contact_person[lo:hi].tolist(), bounds[:-1], bounds[1:], strict=True
            )
        ]


def _instants(micro: np.ndarray) -> list[datetime]:
    """from_micros() of each value, each distinct value made once (an F0's visits recur in its pairs)."""
    distinct, where = np.unique(micro, return_inverse=True)
    made = from_micros_many(distinct)
    return list(map(made.__getitem__, where.tolist()))


def _rounded(minutes: np.ndarray) -> np.ndarray:
    """Python's round to 2 places (as engine.Exposure stores an overlap, not numpy's), each distinct
    value rounded once: overlaps repeat (whole minutes, shared visits)."""
    values, where = np.unique(minutes, return_inverse=True)
    return np.array([round(m, 2) for m in values.tolist()], dtype=np.float64)[where]


def trace_pairs(
    *,
    pairs: Pairs,
    policy: engine.Policy,
    index_ids: Iterable[int],
    sectors: Mapping[int, str],
    excluded: Iterable[int] = (),
    degree: int = 1,
) -> BatchResult:
    """F1 of every index person from the pairs, as engine.trace() would find each on their own.

    Degree 2: the pairs' sources are the seeding visits of the F1s of ONE index person (`seed_periods`),
    each exposure belongs to that index person, and `excluded` holds its F1s (contacts at their lowest
    degree) and the cases met at F1: its F2 contacts, as engine.trace(degree=2) lists them."""
    index = tuple(dict.fromkeys(int(i) for i in index_ids))
    if degree not in (1, 2) or (degree == 2 and len(index) != 1):
        raise ValueError("degree 1 for a batch, or degree 2 for one index person")
    columns, keep = _apply_rule(pairs, policy, sectors)
    keep &= pairs.person != pairs.source_person
    met = keep & (pairs.is_case != 0)
    skipped = frozenset(np.unique(pairs.person[met]).tolist()) - set(index) if met.any() else frozenset()
    keep &= (pairs.is_case == 0) & ~_among(pairs.person, set(index) | {int(e) for e in excluded})
    owner = "source_person"
    if degree == 2:  # every F2 exposure is the index person's, whichever F1 was its source
        owner = "index"
        columns["index"] = np.full(len(pairs), index[0], dtype=np.int64)
    exposures, contacts = _group(columns, np.flatnonzero(keep), owner=owner)
    return BatchResult(
        policy=policy, index_ids=index, exposures=exposures, skipped=skipped, degree=degree, **contacts
    )


def concat_results(parts: Sequence[BatchResult], *, index_ids: Iterable[int]) -> BatchResult:
    """One BatchResult from the results of disjoint groups of F0s traced apart (each group's F0s all after
    the previous group's by person id, as CheckinStore.pairs_around_each hands them over, and each traced
    with the whole batch excluded): the columns one after the other, which is the order trace_pairs gives
    the whole batch. The cases left out are every group's, less the batch's own F0s."""
    if not parts:
        raise ValueError("no results to join")
    index = tuple(dict.fromkeys(int(i) for i in index_ids))
    sources = np.concatenate([p.contact_source for p in parts])
    if len(sources) > 1 and bool(np.any(sources[1:] < sources[:-1])):
        raise ValueError("the groups' F0s must follow one another by person id")
    offsets = np.cumsum([0] + [int(p.contact_bounds[-1]) for p in parts])
    bounds = np.concatenate(
        [p.contact_bounds[:-1] + offset for p, offset in zip(parts, offsets[:-1], strict=True)]
        + [offsets[-1:]]
    ).astype(np.int64)
    first = parts[0]
    return BatchResult(
        policy=first.policy,
        index_ids=index,
        exposures={k: np.concatenate([p.exposures[k] for p in parts]) for k in first.exposures},
        contact_source=sources,
        contact_person=np.concatenate([p.contact_person for p in parts]),
        contact_first=np.concatenate([p.contact_first for p in parts]),
        contact_high=np.concatenate([p.contact_high for p in parts]),
        contact_bounds=bounds,
        skipped=frozenset().union(*(p.skipped for p in parts)) - set(index),
        degree=first.degree,
    )


def seed_periods(found: BatchResult, *, until: datetime) -> list[engine.Period]:
    """Where F2 comes from (engine._trace): each F1's visits from the moment they were first exposed (the
    later of the two arrivals) until `until`, the run's time (an F1 keeps spreading until found)."""
    return [
        engine.Period(person, from_micros(first), until)
        for person, first in zip(found.contact_person.tolist(), found.contact_first.tolist(), strict=True)
    ]


class PairStore(Protocol):
    """The batch path's read: `store.CheckinStore` (the check-in table) or `store.MemoryStore`."""

    def pairs_around(
        self, periods: Sequence[engine.Period], before: timedelta, after: timedelta
    ) -> tuple[Pairs, dict[int, str]]:
        """Each visit of the periods paired with every check-in around it at its venue, and the sectors."""


@dataclass(frozen=True)
class Traced:
    """One index person traced on columns (`trace_columns`): a BatchResult per degree found (F1, then F2),
    the index visits and the cases left out; `result()` gives engine.trace()'s TraceResult."""

    policy: engine.Policy
    degree: int
    person_id: int
    index_visits: list[engine.Visit]
    levels: tuple[BatchResult, ...]
    skipped: frozenset[int]

    @property
    def contact_count(self) -> int:
        return sum(level.contact_count for level in self.levels)

    def result(self) -> engine.TraceResult:
        with gc_paused():  # many small acyclic objects (the contacts): see core.memory
            contacts = [c for level in self.levels for c in level.contacts_of(self.person_id)]
        return engine.TraceResult(
            policy=self.policy,
            degree=self.degree,
            index_visits=self.index_visits,
            contacts=contacts,
            skipped_cases=set(self.skipped),
        )


def trace_columns(
    *,
    index: engine.Period,
    store: PairStore,
    policy: engine.Policy,
    degree: int = 1,
    until: datetime | None = None,
) -> Traced:
    """engine.trace() for one index person (degree 1 or 2) on columns: one read per degree and the rules on
    columns, no object per contact. `until` ends the F1s' periods as in engine.trace() (default the index
    period's end)."""
    if degree not in (1, 2):
        raise ValueError("degree must be 1 or 2")
    engine._require_aware(index.start)
    engine._require_aware(index.end)
    reach = engine.reach(policy)
    pairs, sectors = store.pairs_around([index], *reach)
    first = trace_pairs(pairs=pairs, policy=policy, index_ids=[index.person_id], sectors=sectors)
    levels, skipped = [first], first.skipped
    if degree == 2 and first.contact_count:
        seeds = seed_periods(first, until=engine._require_aware(index.end if until is None else until))
        pairs2, sectors2 = store.pairs_around(seeds, *reach)
        second = trace_pairs(
            pairs=pairs2,
            policy=policy,
            index_ids=[index.person_id],
            sectors=sectors2,
            excluded=set(first.contact_person.tolist()) | skipped,
            degree=2,
        )
        levels.append(second)
        skipped |= second.skipped
    return Traced(policy, degree, index.person_id, index_visits(pairs, sectors), tuple(levels), skipped)


def stored_minutes(found: BatchResult) -> tuple[np.ndarray, np.ndarray]:
    """Each exposure's overlap as engine.Exposure stores it (Python's round to 2 places, not numpy's), and
    each contact's (the largest of its exposures', as engine.Contact.overlap_minutes)."""
    rounded = _rounded(found.exposures["minutes"])
    if not found.contact_count:
        return rounded, rounded[:0]
    return rounded, np.maximum.reduceat(rounded, found.contact_bounds[:-1])


def index_visits(pairs: Pairs, sectors: Mapping[int, str]) -> list[engine.Visit]:
    """The index persons' visits the pairs were built from (every index visit pairs at least with
    itself), as engine visits in the engine's order (start, check-in)."""
    ids, first = np.unique(pairs.source_checkin, return_index=True)
    visits = [
        engine.Visit(
            int(ids[i]),
            int(pairs.source_person[j]),
            int(pairs.venue[j]),
            from_micros(pairs.source_start[j]),
            None if pairs.source_end[j] == NO_END else from_micros(pairs.source_end[j]),
            sectors.get(int(pairs.venue[j]), ""),
        )
        for i, j in enumerate(first.tolist())
    ]
    return sorted(visits, key=lambda v: (v.start, v.checkin_id))


def _apply_rule(
    pairs: Pairs, policy: engine.Policy, sectors: Mapping[int, str]
) -> tuple[dict[str, np.ndarray], np.ndarray]:
    """engine._match() on every pair: the exposure columns, and which pairs the rule keeps."""
    dwell = _dwell(pairs.venue, sectors, policy)
    s0, s1 = pairs.source_start, _presence_end(pairs.source_start, pairs.source_end, dwell, policy)
    c0, c1 = pairs.start, _presence_end(pairs.start, pairs.end, dwell, policy)
    shared = np.maximum(0, np.minimum(s1, c1) - np.maximum(s0, c0))
    weighted = np.zeros(len(pairs))
    if policy.rule == "window":
        keep = np.abs(c0 - s0) <= policy.window_minutes * MINUTE
        minutes = _minutes(shared)
        high = minutes >= policy.high_risk_minutes
    elif policy.rule == "overlap":
        minutes = _minutes(shared)
        keep = (minutes > 0) & (minutes >= policy.min_overlap_minutes)
        high = np.ones(len(pairs), dtype=bool)
    else:  # cwa: the source widened to the grid, the check-in exact, whole minutes, capped, weighted
        step = policy.grid_minutes * MINUTE
        lo, hi = (s0 // step) * step, -((-s1) // step) * step
        raw = np.floor(_minutes(np.maximum(0, np.minimum(hi, c1) - np.maximum(lo, c0))) + 0.5)
        keep = ((c1 - c0) >= policy.min_checkin_minutes * MINUTE) & (raw > 0)
        minutes = np.minimum(raw, policy.cap_minutes).astype(float)
        weighted = minutes * policy.trl_weights[policy.transmission_risk_level - 1]
        high = weighted >= policy.high_risk_weighted_minutes
    columns = {
        "source_person": pairs.source_person,
        "source_checkin": pairs.source_checkin,
        "source_start": s0,
        "source_end": s1,
        "venue": pairs.venue,
        "person": pairs.person,
        "checkin": pairs.checkin,
        "start": c0,
        "end": c1,
        "minutes": minutes,
        "weighted": weighted,
        "high": high,
    }
    return columns, keep


def _among(values: np.ndarray, wanted: set[int]) -> np.ndarray:
    """np.isin(values, wanted): for the few ids of one F0, one comparison each instead of isin's sort."""
    if len(wanted) > 8:
        return np.isin(values, np.fromiter(wanted, dtype=np.int64, count=len(wanted)))
    found = np.zeros(len(values), dtype=bool)
    for w in wanted:
        found |= values == w
    return found


def _exposure_order(cols: dict[str, np.ndarray], rows: np.ndarray, owner: str) -> np.ndarray:
    """The exposures grouped by (owner, person), each group in engine.assemble's order (start, venue,
    source check-in, check-in). Most contacts have one exposure: when the two ids fit in one integer, one
    sort of that integer groups them and only the groups of several are sorted on the other keys (a sort
    on all six keys was half of a batch's rules)."""
    keys = ("checkin", "source_checkin", "venue", "start", "person", owner)  # last = primary
    owners, persons = cols[owner][rows], cols["person"][rows]
    if not (0 <= owners.min() and owners.max() < 2**31 and 0 <= persons.min() and persons.max() < 2**32):
        return np.lexsort(tuple(cols[k][rows] for k in keys))
    contact = (owners << 32) | persons
    order = np.argsort(contact)
    grouped = contact[order]
    shared = grouped[1:] == grouped[:-1]
    several = np.zeros(len(order), dtype=bool)
    several[1:] |= shared
    several[:-1] |= shared
    where = np.flatnonzero(several)
    if len(where):
        ties = order[where]
        inner = np.lexsort(tuple(cols[k][rows[ties]] for k in keys[:-2]) + (contact[ties],))
        order[where] = ties[inner]
    return order


def _contact_order(source: np.ndarray, first: np.ndarray) -> np.ndarray:
    """The contacts (already in (source, person) order) by source, then first exposure, then person: a
    stable sort on (source, first) keeps the person order among ties. One sort of a single integer when
    the first exposures span under 2**42 microseconds (50 days) and the sources number under 2**21, else
    two."""
    if not len(first):
        return np.zeros(0, dtype=np.intp)
    if source[0] == source[-1]:  # one F0 (the sources are sorted)
        return np.argsort(first, kind="stable")
    span = first - first.min()
    rank = np.concatenate(([0], np.cumsum(source[1:] != source[:-1])))
    if span.max() >= 2**42 or rank[-1] >= 2**21:
        return np.lexsort((first, source))
    return np.argsort((rank << 42) | span, kind="stable")


def _group(
    cols: dict[str, np.ndarray], rows: np.ndarray, *, owner: str = "source_person"
) -> tuple[dict[str, np.ndarray], dict[str, np.ndarray]]:
    """engine.assemble() per F0 (the column `owner`) on the pairs `rows` of the columns: exposures grouped by
    (F0, contact) in the engine's exposure order, contacts per F0 by first exposure then person; returns
    the exposures (those rows, reordered) and the contacts. Each column is read through `rows` once, at
    the end; the grouping reads only its own keys."""
    n = len(rows)
    if not n:
        empty = np.zeros(0, dtype=np.int64)
        return {k: v[:0] for k, v in cols.items()}, {
            "contact_source": empty,
            "contact_person": empty,
            "contact_first": empty,
            "contact_high": empty.astype(bool),
            "contact_bounds": np.zeros(1, np.int64),
        }
    order = rows[_exposure_order(cols, rows, owner)]
    owners, persons, high = cols[owner][order], cols["person"][order], cols["high"][order]
    new = np.ones(n, dtype=bool)
    new[1:] = (owners[1:] != owners[:-1]) | (persons[1:] != persons[:-1])
    starts = np.flatnonzero(new)
    exposed = np.maximum(cols["start"][order], cols["source_start"][order])
    g_first = np.minimum.reduceat(exposed, starts)
    g_high = np.maximum.reduceat(high.astype(np.int8), starts).astype(bool)
    g_source, g_person = owners[starts], persons[starts]
    g_order = _contact_order(g_source, g_first)
    if len(starts) == n:  # one exposure a contact (most F0s): the contacts' order is the exposures'
        bounds = np.arange(n + 1, dtype=np.int64)
        take = order[g_order]
    else:
        g_bounds = np.append(starts, n)
        lengths = np.diff(g_bounds)[g_order]
        bounds = np.concatenate(([0], np.cumsum(lengths)))
        # Each group's exposures move with it: output position p comes from (old start of its group) +
        # (p - new start of its group), in the sorted order.
        take = order[np.arange(n) + np.repeat(g_bounds[:-1][g_order] - bounds[:-1], lengths)]
    return {k: v[take] for k, v in cols.items()}, {
        "contact_source": g_source[g_order],
        "contact_person": g_person[g_order],
        "contact_first": g_first[g_order],
        "contact_high": g_high[g_order],
        "contact_bounds": bounds,
    }


def pairs_of(
    index_visits: Iterable[engine.Visit],
    candidates: Iterable[engine.Visit],
    *,
    before: timedelta,
    after: timedelta,
    cases: set[int] = frozenset(),  # type: ignore[assignment]
) -> tuple[Pairs, dict[int, str]]:
    """Pairs from visit objects (the in-memory store, tests): each index visit with every candidate at
    its venue whose check-in lies within [start - before, start + after]; and each venue's sector."""
    by_venue: dict[int, list[engine.Visit]] = {}
    sectors: dict[int, str] = {}
    for c in candidates:
        by_venue.setdefault(c.venue_id, []).append(c)
        sectors[c.venue_id] = c.sector
    rows = [
        (
            f.person_id,
            f.checkin_id,
            micros(f.start),
            micros(f.end),
            f.venue_id,
            c.person_id,
            c.checkin_id,
            micros(c.start),
            micros(c.end),
            int(c.person_id in cases),
        )
        for f in index_visits
        for c in by_venue.get(f.venue_id, ())
        if f.start - before <= c.start <= f.start + after
    ]
    return Pairs.from_rows(rows), sectors
