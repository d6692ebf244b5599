"""Routing an F0 to a treatment facility: the nearest one with a free bed of the kind the patient needs,
keeping a reserve, or "escalate to the province" when none has one. No Django import.

Contract of `route(need, facilities, reserve=)`:
- candidates are the facilities of exactly the needed tier whose free beds of the needed kind exceed
  their reserve (`reserve_beds(total, reserve)`: a share of the kind's beds, rounded up, kept free for
  the emergencies of the facility's own area; a facility with no bed of that kind is no candidate);
- among them the nearest by great-circle distance (`distance_km`) wins; ties (equal distance to the
  metre) go to the facility with more beds left over its reserve, then to the smaller facility id: the
  answer depends on nothing else (not on the order of `facilities`);
- no candidate: a `Proposal` with `facility_id` None and `escalate` True (the province finds a bed).

`route_surge(needs, facilities, reserve=)` routes a whole day's new cases at once: the most severe first
(ICU, then oxygen, then normal beds; within a kind the higher tier, then the order given), each one as
`route` would against the beds the earlier ones left, so no facility is proposed more beds than it had
free over its reserve. It computes distances with numpy, one vector per patient.
"""

from __future__ import annotations

import math
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass

import numpy as np

EARTH_RADIUS_KM = 6371.0088  # mean Earth radius (IUGG), for great-circle distances
RESERVE = 0.1  # share of each facility's beds of a kind kept out of routing (rounded up)
KINDS = ("icu", "oxygen", "normal")  # most to least intensive: the order a surge fills them in


@dataclass(frozen=True)
class FacilityBeds:
    id: int
    tier: int
    lat: float
    lon: float
    total: Mapping[str, int]  # beds of each kind
    free: Mapping[str, int]  # beds of each kind neither occupied nor reserved nor proposed


@dataclass(frozen=True)
class Need:
    case_id: int
    tier: int
    bed_kind: str
    lat: float
    lon: float


@dataclass(frozen=True)
class Proposal:
    case_id: int
    facility_id: int | None
    distance_km: float | None
    escalate: bool


def distance_km(lat1: float, lon1: float, lat2: float, lon2: float) -> float:
    """Great-circle distance by the haversine formula, in kilometres."""
    p1, p2 = math.radians(lat1), math.radians(lat2)
    dp, dl = p2 - p1, math.radians(lon2 - lon1)
    h = math.sin(dp / 2) ** 2 + math.cos(p1) * math.cos(p2) * math.sin(dl / 2) ** 2
    return 2 * EARTH_RADIUS_KM * math.asin(min(1.0, math.sqrt(h)))


def distances_km(lat: float, lon: float, lats: np.ndarray, lons: np.ndarray) -> np.ndarray:
    """`distance_km` from one point to many, vectorised (the same formula)."""
    p1, p2 = math.radians(lat), np.radians(lats)
    dp, dl = p2 - p1, np.radians(lons - lon)
    h = np.sin(dp / 2) ** 2 + math.cos(p1) * np.cos(p2) * np.sin(dl / 2) ** 2
    return 2 * EARTH_RADIUS_KM * np.arcsin(np.minimum(1.0, np.sqrt(h)))


def reserve_beds(total: int, reserve: float = RESERVE) -> int:
    """Beds of a kind kept out of routing: `reserve` of the total, rounded up (none when no beds)."""
    return math.ceil(total * reserve - 1e-9) if total > 0 else 0


def _key(distance: float, spare: int, facility_id: int) -> tuple[float, int, int]:
    return (round(distance, 3), -spare, facility_id)


def route(need: Need, facilities: Iterable[FacilityBeds], *, reserve: float = RESERVE) -> Proposal:
    """The facility for one patient (see the module's contract)."""
    best: tuple[tuple[float, int, int], FacilityBeds, float] | None = None
    for f in facilities:
        if f.tier != need.tier:
            continue
        spare = f.free.get(need.bed_kind, 0) - reserve_beds(f.total.get(need.bed_kind, 0), reserve)
        if spare <= 0:
            continue
        d = distance_km(need.lat, need.lon, f.lat, f.lon)
        key = _key(d, spare, f.id)
        if best is None or key < best[0]:
            best = (key, f, d)
    if best is None:
        return Proposal(need.case_id, None, None, True)
    return Proposal(need.case_id, best[1].id, round(best[2], 3), False)


def surge_order(needs: Sequence[Need]) -> list[int]:
    """Indexes of `needs` in the order a surge routes them (most intensive bed first, stable)."""
    rank = {kind: i for i, kind in enumerate(KINDS)}
    return sorted(
        range(len(needs)), key=lambda i: (rank.get(needs[i].bed_kind, len(KINDS)), -needs[i].tier, i)
    )


def route_surge(
    needs: Sequence[Need], facilities: Sequence[FacilityBeds], *, reserve: float = RESERVE, chunk: int = 1000
) -> list[Proposal]:
    """A proposal for each need, in the order of `needs` (see the module's contract).

    The needs of one (tier, bed kind) come one after the other in surge order, so each group is routed
    against its own facilities: for a chunk of needs at a time, one distance matrix and one stable sort
    per row give every facility in (distance to the metre, id) order; each need then takes the first
    facility in its row with a bed left over the reserve, or, among those at the same distance, the one
    with the most beds left (then the smaller id), exactly as `route` does."""
    out: list[Proposal | None] = [None] * len(needs)
    order = surge_order(needs)
    start = 0
    while start < len(order):
        first = needs[order[start]]
        end = start
        while end < len(order) and (needs[order[end]].tier, needs[order[end]].bed_kind) == (
            first.tier,
            first.bed_kind,
        ):
            end += 1
        _route_group(
            [order[k] for k in range(start, end)],
            needs,
            facilities,
            first.tier,
            first.bed_kind,
            reserve,
            chunk,
            out,
        )
        start = end
    return [p for p in out if p is not None]


def _route_group(indexes, needs, facilities, tier, kind, reserve, chunk, out) -> None:
    chosen = sorted(
        (f for f in facilities if f.tier == tier and f.total.get(kind, 0) > 0), key=lambda f: f.id
    )
    if not chosen:
        for i in indexes:
            out[i] = Proposal(needs[i].case_id, None, None, True)
        return
    ids = np.array([f.id for f in chosen], dtype=np.int64)
    flat = np.array([f.lat for f in chosen], dtype=np.float64)
    flon = np.array([f.lon for f in chosen], dtype=np.float64)
    points = _unit(flat, flon)  # (m, 3): ranking by chord length is ranking by great-circle distance
    spare = np.array(
        [f.free.get(kind, 0) - reserve_beds(f.total.get(kind, 0), reserve) for f in chosen], dtype=np.int64
    )
    m = len(chosen)
    k = min(NEAREST, m)
    for c in range(0, len(indexes), chunk):
        part = indexes[c : c + chunk]
        plat = np.array([needs[i].lat for i in part], dtype=np.float64)
        plon = np.array([needs[i].lon for i in part], dtype=np.float64)
        closeness = _unit(plat, plon) @ points.T  # cosine of the angle: larger is nearer
        near = (
            np.argpartition(-closeness, k - 1, axis=1)[:, :k]
            if k < m
            else np.tile(np.arange(m), (len(part), 1))
        )
        # exact distances (the formula `route` uses) for the kept candidates only
        d_near = _haversine(plat[:, None], plon[:, None], flat[near], flon[near])
        r_near = np.round(d_near, 3)
        ranked = np.lexsort((near, r_near), axis=-1)
        near, d_near, r_near = (np.take_along_axis(x, ranked, axis=1) for x in (near, d_near, r_near))
        for row, i in enumerate(part):
            j, dist = _pick(
                near[row],
                d_near[row],
                r_near[row],
                spare,
                m,
                lambda la=plat[row], lo=plon[row]: _haversine(la, lo, flat, flon),
            )
            if j is None:
                out[i] = Proposal(needs[i].case_id, None, None, True)
                continue
            spare[j] -= 1
            out[i] = Proposal(needs[i].case_id, int(ids[j]), round(dist, 3), False)


NEAREST = 16  # facilities kept per patient after the partial sort; beyond them the whole row is sorted


def _unit(lat: np.ndarray, lon: np.ndarray) -> np.ndarray:
    la, lo = np.radians(lat), np.radians(lon)
    return np.stack((np.cos(la) * np.cos(lo), np.cos(la) * np.sin(lo), np.sin(la)), axis=-1)


def _haversine(lat1, lon1, lat2, lon2):
    """`distance_km`'s formula on arrays (broadcast)."""
    p1, p2 = np.radians(lat1), np.radians(lat2)
    h = np.sin((p2 - p1) / 2) ** 2 + np.cos(p1) * np.cos(p2) * np.sin(np.radians(lon2 - lon1) / 2) ** 2
    return 2 * EARTH_RADIUS_KM * np.arcsin(np.minimum(1.0, np.sqrt(h)))


def _pick(near, d_near, r_near, spare, m, whole_row) -> tuple[int | None, float]:
    """The facility (column) a need takes and its distance: the first in (distance to the metre, id)
    order with a bed left over the reserve, or among those at that same distance the one with the most
    beds left, then the smaller id; None when none has a bed. `near` holds the nearest columns in that
    order (exact distances); when the answer could lie past them (all full, or the chosen distance within
    a metre of the farthest kept) the whole row is ranked."""
    has = spare[near] > 0
    pos = int(np.argmax(has))
    if has[pos] and (len(near) == m or r_near[pos] < r_near[-1] - 0.001):
        same = (r_near == r_near[pos]) & has
        tied, left = near[same], spare[near[same]]
        best = left == left.max()
        j = int(tied[best].min())
        return j, float(d_near[same][best][tied[best].argmin()])
    if len(near) == m and not has[pos]:
        return None, 0.0
    d = whole_row()
    r = np.round(d, 3)
    ok = spare > 0
    if not ok.any():
        return None, 0.0
    first = r[ok].min()
    same = ok & (r == first)
    cols = np.flatnonzero(same)
    left = spare[cols]
    j = int(cols[left == left.max()].min())
    return j, float(d[j])
