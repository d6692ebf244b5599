"""Routing (care.routing): the nearest facility of the needed tier with a free bed of the needed kind over
its reserve, deterministic ties, escalation when none; the surge routes a day at once without proposing
a bed twice. Oracles: a brute force over every facility, and the surge as `route` one case at a time."""

import math

from hypothesis import given, settings
from hypothesis import strategies as st

from epiqr.care import routing
from epiqr.care.routing import FacilityBeds, Need, Proposal, distance_km, reserve_beds, route, route_surge

HANOI = (21.0285, 105.8542)
HCMC = (10.7769, 106.7009)


def fac(id, tier=1, lat=21.0, lon=105.8, normal=(10, 10), oxygen=(0, 0), icu=(0, 0)):
    total = {"normal": normal[0], "oxygen": oxygen[0], "icu": icu[0]}
    free = {"normal": normal[1], "oxygen": oxygen[1], "icu": icu[1]}
    return FacilityBeds(id=id, tier=tier, lat=lat, lon=lon, total=total, free=free)


def test_great_circle_distance_hanoi_to_saigon():
    # about 1,138 km as the crow flies (published city-centre distance 1,137-1,140 km)
    assert 1130 < distance_km(*HANOI, *HCMC) < 1145
    assert distance_km(*HANOI, *HANOI) == 0
    assert math.isclose(distance_km(*HANOI, *HCMC), distance_km(*HCMC, *HANOI))


def test_one_degree_of_latitude_is_111_km():
    assert math.isclose(distance_km(0, 0, 1, 0), 111.195, rel_tol=1e-3)


def test_reserve_is_a_share_rounded_up():
    assert reserve_beds(0) == 0
    assert reserve_beds(1) == 1
    assert reserve_beds(10) == 1
    assert reserve_beds(11) == 2
    assert reserve_beds(40, 0.0) == 0


def test_the_nearest_facility_with_a_free_bed_over_its_reserve_wins():
    """An (made-up) F0 in Hoàn Kiếm needs a tier 2 oxygen bed: the nearest tier 2 has only its reserve
    left, so the next one gets the proposal; the tier 3 next door is not the right tier."""
    need = Need(case_id=7, tier=2, bed_kind="oxygen", lat=21.03, lon=105.85)
    near_full = fac(1, tier=2, lat=21.031, lon=105.851, oxygen=(20, 2))  # reserve 2: none to route
    farther = fac(2, tier=2, lat=21.05, lon=105.80, oxygen=(20, 5))
    tier3 = fac(3, tier=3, lat=21.03, lon=105.85, oxygen=(20, 20))
    p = route(need, [near_full, farther, tier3])
    assert p.facility_id == 2 and not p.escalate
    assert math.isclose(p.distance_km, distance_km(21.03, 105.85, 21.05, 105.80), abs_tol=1e-3)


def test_no_bed_of_the_kind_anywhere_escalates_to_the_province():
    need = Need(case_id=9, tier=3, bed_kind="icu", lat=21.03, lon=105.85)
    p = route(need, [fac(1, tier=3, oxygen=(50, 40), icu=(10, 1)), fac(2, tier=2, icu=(10, 10))])
    assert p == Proposal(9, None, None, True)


def test_ties_go_to_more_spare_beds_then_the_smaller_id_whatever_the_order():
    need = Need(case_id=1, tier=1, bed_kind="normal", lat=21.0, lon=105.8)
    a = fac(5, lat=21.01, lon=105.8, normal=(10, 4))
    b = fac(3, lat=21.01, lon=105.8, normal=(10, 6))  # same place, more spare
    c = fac(2, lat=21.01, lon=105.8, normal=(10, 6))  # same place, same spare, smaller id
    for order in ([a, b, c], [c, b, a], [b, a, c]):
        assert route(need, order).facility_id == 2


facilities_st = st.lists(
    st.builds(
        lambda i, tier, lat, lon, n, o, u, fn, fo, fu: fac(
            i, tier, lat, lon, (n, min(n, fn)), (o, min(o, fo)), (u, min(u, fu))
        ),
        st.integers(1, 10_000),
        st.integers(1, 3),
        st.floats(20.5, 21.5),
        st.floats(105.3, 106.3),
        *[st.integers(0, 8)] * 6,
    ),
    max_size=25,
    unique_by=lambda f: f.id,
)
needs_st = st.lists(
    st.builds(
        Need,
        st.integers(1, 10**6),
        st.integers(1, 3),
        st.sampled_from(["normal", "oxygen", "icu"]),
        st.floats(20.5, 21.5),
        st.floats(105.3, 106.3),
    ),
    max_size=40,
)


def _spare(f, kind):
    return f.free.get(kind, 0) - reserve_beds(f.total.get(kind, 0))


@settings(max_examples=200, deadline=None)
@given(needs_st.map(lambda n: n[:1]), facilities_st)
def test_route_is_the_brute_force_minimum(needs, facilities):
    for need in needs:
        p = route(need, facilities)
        open_ = [f for f in facilities if f.tier == need.tier and _spare(f, need.bed_kind) > 0]
        if not open_:
            assert p.escalate and p.facility_id is None
            continue
        best = min(
            open_,
            key=lambda f: (
                round(distance_km(need.lat, need.lon, f.lat, f.lon), 3),
                -_spare(f, need.bed_kind),
                f.id,
            ),
        )
        assert p.facility_id == best.id and not p.escalate


@settings(max_examples=200, deadline=None)
@given(needs_st, facilities_st)
def test_a_surge_never_proposes_more_beds_than_are_free_over_the_reserve(needs, facilities):
    proposals = route_surge(needs, facilities)
    assert [p.case_id for p in proposals] == [n.case_id for n in needs]
    taken: dict[tuple[int, str], int] = {}
    for n, p in zip(needs, proposals, strict=True):
        if p.facility_id is not None:
            taken[(p.facility_id, n.bed_kind)] = taken.get((p.facility_id, n.bed_kind), 0) + 1
    by_id = {f.id: f for f in facilities}
    for (fid, kind), n in taken.items():
        assert n <= _spare(by_id[fid], kind)


@settings(max_examples=200, deadline=None)
@given(needs_st, facilities_st)
def test_a_surge_is_route_one_case_at_a_time_in_surge_order(needs, facilities):
    """The oracle: route each need in surge order against the beds the earlier ones left."""
    beds = {f.id: dict(f.free) for f in facilities}
    expected: dict[int, Proposal] = {}
    for i in routing.surge_order(needs):
        now = [FacilityBeds(f.id, f.tier, f.lat, f.lon, f.total, beds[f.id]) for f in facilities]
        p = route(needs[i], now)
        if p.facility_id is not None:
            beds[p.facility_id][needs[i].bed_kind] -= 1
        expected[i] = p
    assert route_surge(needs, facilities) == [expected[i] for i in range(len(needs))]


def test_a_surge_fills_icu_before_oxygen_before_normal():
    """Two cases, one ICU bed kind each way: the critical case is served first even if listed last."""
    f = fac(1, tier=3, oxygen=(10, 10), icu=(11, 2))  # reserve 2 of 11: 0 spare ICU
    g = fac(2, tier=3, lat=22.0, icu=(10, 2))  # reserve 1: 1 spare ICU
    needs = [
        Need(1, 3, "oxygen", 21.0, 105.8),
        Need(2, 3, "icu", 21.0, 105.8),
        Need(3, 3, "icu", 21.0, 105.8),
    ]
    out = route_surge(needs, [f, g])
    assert out[1].facility_id == 2 and out[2].escalate and out[0].facility_id == 1
