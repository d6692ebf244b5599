"""Property: on random small worlds the engine agrees with a brute-force oracle, for every policy.

The oracle compares every pair of visits directly from the written rules, with no windows, indexes or
bisection: if the engine's candidate search ever missed a check-in, the two would disagree.
"""

from datetime import datetime, timedelta
from zoneinfo import ZoneInfo

from hypothesis import given, settings
from hypothesis import strategies as st

from epiqr.tracing import engine
from epiqr.tracing.engine import Period, Policy, Visit
from epiqr.tracing.store import MemoryStore

VN = ZoneInfo("Asia/Ho_Chi_Minh")
T0 = datetime(2026, 11, 20, 6, 0, tzinfo=VN)
POLICIES = [
    Policy(
        name="vn-window-60",
        rule="window",
        window_minutes=60,
        default_dwell_minutes=30,
        max_presence_minutes=180,
    ),
    Policy(
        name="overlap-15",
        rule="overlap",
        min_overlap_minutes=15,
        default_dwell_minutes=45,
        dwell_by_sector={"retail": 20},
        max_presence_minutes=180,
    ),
    Policy(name="cwa-weighted", rule="cwa", default_dwell_minutes=30, max_presence_minutes=180),
]
F0 = 0


@st.composite
def worlds(draw):
    n = draw(st.integers(1, 30))
    visits = []
    for i in range(n):
        person = draw(st.integers(0, 7))
        start = T0 + timedelta(minutes=draw(st.integers(0, 16 * 60)))
        stay = draw(st.one_of(st.none(), st.integers(-5, 300)))
        end = None if stay is None else start + timedelta(minutes=stay)
        visits.append(
            Visit(
                i + 1, person, draw(st.integers(1, 3)), start, end, draw(st.sampled_from(["food", "retail"]))
            )
        )
    period_start = T0 + timedelta(minutes=draw(st.integers(0, 8 * 60)))
    period_end = period_start + timedelta(minutes=draw(st.integers(0, 10 * 60)))
    cases = set(draw(st.sets(st.integers(1, 7), max_size=2)))
    return visits, Period(F0, period_start, period_end), cases


def oracle_meets(a: Visit, b: Visit, p: Policy) -> bool:
    """The policy's rule in its plainest form."""
    if a.venue_id != b.venue_id or a.person_id == b.person_id:
        return False
    pa, pb = engine.presence(a, p), engine.presence(b, p)
    shared = max(0.0, (min(pa[1], pb[1]) - max(pa[0], pb[0])).total_seconds() / 60)
    if p.rule == "window":
        return abs((a.start - b.start).total_seconds()) <= p.window_minutes * 60
    if p.rule == "overlap":
        return shared > 0 and shared >= p.min_overlap_minutes
    if (pb[1] - pb[0]).total_seconds() < p.min_checkin_minutes * 60:
        return False
    return engine.cwa_overlap_minutes(pa, pb) > 0


def oracle(visits, period, cases, p: Policy, degree: int):
    excluded = cases | {F0}
    sources = [v for v in visits if v.person_id == F0 and period.start <= v.start <= period.end]
    f1: dict[int, list[tuple[int, int]]] = {}
    for s in sources:
        for v in visits:
            if oracle_meets(s, v, p) and v.person_id not in excluded:
                f1.setdefault(v.person_id, []).append((s.checkin_id, v.checkin_id))
    result = {pid: (1, sorted(pairs)) for pid, pairs in f1.items()}
    if degree == 2:
        exposed = {}
        for pid, pairs in f1.items():
            by_id = {v.checkin_id: v for v in visits}
            exposed[pid] = min(max(by_id[a].start, by_id[b].start) for a, b in pairs)
        f2: dict[int, list[tuple[int, int]]] = {}
        for s in visits:
            if s.person_id in exposed and exposed[s.person_id] <= s.start <= period.end + timedelta(days=1):
                for v in visits:
                    if oracle_meets(s, v, p) and v.person_id not in excluded and v.person_id not in f1:
                        f2.setdefault(v.person_id, []).append((s.checkin_id, v.checkin_id))
        result.update({pid: (2, sorted(pairs)) for pid, pairs in f2.items()})
    return result


def engine_view(visits, period, cases, p, degree):
    r = engine.trace(
        periods=[period],
        store=MemoryStore(visits, cases=cases),
        policy=p,
        degree=degree,
        until=period.end + timedelta(days=1),
    )
    return {
        c.person_id: (c.degree, sorted((e.source_checkin_id, e.checkin_id) for e in c.exposures))
        for c in r.contacts
    }


@settings(max_examples=150, deadline=None)
@given(worlds(), st.sampled_from(POLICIES), st.sampled_from([1, 2]))
def test_engine_matches_brute_force(world, policy, degree):
    visits, period, cases = world
    assert engine_view(visits, period, cases, policy, degree) == oracle(visits, period, cases, policy, degree)
