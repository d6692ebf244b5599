"""Property: F2 of one F0 on columns (batch.trace_columns at degree 2: the F1 step, one read around the F1s'
seeding visits, the rule on columns) is exactly engine.trace(degree=2): the same index visits, contacts
with their degrees, every exposure with its source, and the cases left out; on random small worlds in
memory for every policy, and on a random world in the check-in table (SQLite and PostgreSQL) against
the engine over the database store and over the memory store.

The engine is the definition (engine._trace); the columns must not drift from it.
"""

import random
from datetime import UTC, timedelta

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from epiqr.tracing import batch, engine
from epiqr.tracing.engine import Period, Visit
from epiqr.tracing.store import CheckinStore, MemoryStore
from tests.tracing.test_batch_oracle import POLICIES, SECTORS
from tests.tracing.test_engine_oracle import T0, VN

F0 = 0


@st.composite
def worlds(draw):
    """Up to 60 visits of 11 people at 3 venues over 16 hours (seconds, open and odd check-outs, two
    time zones, one person at two places at once); the F0 is person 0; up to 3 others are cases."""
    visits = []
    for i in range(draw(st.integers(1, 60))):
        start = T0 + timedelta(
            minutes=draw(st.integers(0, 16 * 60)), seconds=draw(st.sampled_from([0, 0, 1, 23, 59]))
        )
        stay = draw(st.one_of(st.none(), st.integers(-5, 300)))
        end = (
            None
            if stay is None
            else start + timedelta(minutes=stay, microseconds=draw(st.sampled_from([0, 250])))
        )
        tz = draw(st.sampled_from([VN, UTC]))
        venue = draw(st.integers(1, 3))
        visits.append(
            Visit(
                i + 1,
                draw(st.integers(0, 10)),
                venue,
                start.astimezone(tz),
                None if end is None else end.astimezone(tz),
                SECTORS[venue],
            )
        )
    start = T0 + timedelta(minutes=draw(st.integers(0, 8 * 60)))
    period = Period(F0, start, start + timedelta(minutes=draw(st.integers(0, 12 * 60))))
    cases = set(draw(st.sets(st.integers(1, 10), max_size=3)))
    until = draw(st.one_of(st.none(), st.integers(0, 20 * 60).map(lambda m: T0 + timedelta(minutes=m))))
    return visits, period, cases, until


def assert_same(got: engine.TraceResult, want: engine.TraceResult) -> None:
    assert got.contacts == want.contacts  # persons, degrees, order, every exposure with its source
    assert got.index_visits == want.index_visits
    assert got.skipped_cases == want.skipped_cases
    assert (got.degree, got.policy) == (want.degree, want.policy)


@settings(max_examples=400, deadline=None)
@given(worlds(), st.sampled_from(POLICIES), st.sampled_from([1, 2]))
def test_f2_on_columns_equals_the_engine(world, policy, degree):
    visits, period, cases, until = world
    store = MemoryStore(visits, cases=cases)
    got = batch.trace_columns(index=period, store=store, policy=policy, degree=degree, until=until).result()
    want = engine.trace(periods=[period], store=store, policy=policy, degree=degree, until=until)
    assert_same(got, want)


def test_an_f1_who_is_a_case_spreads_nothing_and_an_f1_met_again_stays_f1():
    """An (F0) meets Bình and Châu at the café; Châu is already a case. Later Bình meets Dũng at the market
    and Châu meets Hà at the shop. Bình meets Châu too: she stays an F1 (with her F1 exposure only), Dũng
    is Bình's F2, Hà is nobody's (Châu, a case, is no F1), and Châu is listed as a case left out."""
    an, binh, chau, dung, ha = range(5)
    cafe, market, shop = 1, 2, 3
    h = lambda hour, minute=0: T0.replace(hour=hour, minute=minute)  # noqa: E731
    visits = [
        Visit(1, an, cafe, h(9), h(10)),
        Visit(2, binh, cafe, h(9, 30), h(10, 30)),
        Visit(3, chau, cafe, h(9, 40), h(10, 40)),
        Visit(4, binh, market, h(15), h(15, 40)),
        Visit(5, dung, market, h(15, 10), h(15, 50)),
        Visit(6, chau, shop, h(16), h(16, 40)),
        Visit(7, ha, shop, h(16, 10), h(16, 50)),
    ]
    store = MemoryStore(visits, cases={chau})
    period = Period(an, h(6), h(12))
    policy = POLICIES[0]
    got = batch.trace_columns(index=period, store=store, policy=policy, degree=2, until=h(23)).result()
    assert_same(got, engine.trace(periods=[period], store=store, policy=policy, degree=2, until=h(23)))
    assert [(c.person_id, c.degree) for c in got.contacts] == [(binh, 1), (dung, 2)]
    [f2] = got.by_degree(2)
    assert [(e.source_person_id, e.source_checkin_id, e.checkin_id) for e in f2.exposures] == [(binh, 4, 5)]
    assert got.skipped_cases == {chau}


@pytest.fixture
def f2_world(world, at, visit):
    """The F0 at the café 09:00-10:00 and at the market 11:00 (never checked out), then 220 check-ins of
    29 other people at four venues over the day (06:00-20:00, seconds, 30 % never checked out); returns
    the people (the F0 first) and every check-in read back from the table as engine visits."""
    from epiqr.checkins.models import CheckIn
    from tests.factories import PersonFactory, VenueFactory

    rng = random.Random(17)
    commune = world["f0"].commune
    people = [world[k] for k in ("f0", "binh", "chau", "dung", "ha")]
    people += [PersonFactory(full_name=f"Người Thử {i}", commune=commune) for i in range(25)]
    venues = [world["cafe"], world["market"]]
    venues += [VenueFactory(commune=commune, sector=s) for s in ("workplace", "retail")]
    visit(people[0], venues[0], at(9), at(10))
    visit(people[0], venues[1], at(11) + timedelta(seconds=30))
    for _ in range(220):
        start = at(6) + timedelta(minutes=rng.randint(0, 14 * 60), seconds=rng.randint(0, 59))
        end = None if rng.random() < 0.3 else start + timedelta(minutes=rng.randint(1, 200))
        visit(rng.choice(people[1:]), rng.choice(venues), start, end)
    sectors = {v.pk: str(v.sector) for v in venues}
    rows = CheckIn.objects.values_list("pk", "person_id", "venue_id", "checked_in_at", "checked_out_at")
    return people, [Visit(pk, who, where, start, end, sectors[where]) for pk, who, where, start, end in rows]


@pytest.mark.django_db
@pytest.mark.parametrize("policy_name", ["vn-window-60", "overlap-15", "cwa-weighted"])
def test_f2_of_a_case_is_what_the_engine_finds_over_both_stores(f2_world, at, case_of, policy_name):
    """tracing_compute(degree=2) reads and matches on columns; engine.trace(degree=2) over the check-in
    table and over the same visits in memory agree with it, in a world with an F1 who is a case, an F2
    who is a case, F1s met again at F2, open check-outs and overlapping visits."""
    from epiqr.cases.selectors import case_period
    from epiqr.tracing import services
    from epiqr.tracing.selectors import policy_engine, policy_get

    people, visits = f2_world
    policy = policy_engine(policy_get(name=policy_name))
    case = case_of(people[0])
    period = case_period(case=case, days_before=policy.infectious_days_before)
    index = Period(case.person_id, period.start, period.end)
    until = at(23)

    def memory_trace(cases):
        return engine.trace(
            periods=[index], store=MemoryStore(visits, cases=cases), policy=policy, degree=2, until=until
        )

    # Before anyone else is a case: one F1 and one F2 become cases (never contacts, listed as left out).
    probe = memory_trace({case.person_id})
    f1_case, f2_case = probe.by_degree(1)[0].person_id, probe.by_degree(2)[0].person_id
    cases = {case.person_id, f1_case, f2_case}
    for person in people:
        if person.pk in cases - {case.person_id}:
            case_of(person)

    _row, got, _period = services.tracing_compute(case=case, policy_name=policy_name, degree=2, until=until)
    assert_same(
        got, engine.trace(periods=[index], store=CheckinStore(), policy=policy, degree=2, until=until)
    )
    assert_same(got, memory_trace(cases))

    # The world is the one the docstring promises.
    f1, f2 = got.by_degree(1), got.by_degree(2)
    assert len(f1) >= 3 and len(f2) >= 3 and {f1_case, f2_case} <= got.skipped_cases
    f1_ids = {c.person_id for c in f1}
    memory, reach = MemoryStore(visits, cases=cases), engine.reach(policy)
    pairs, sectors = memory.pairs_around([index], *reach)
    first = batch.trace_pairs(pairs=pairs, policy=policy, index_ids=[case.person_id], sectors=sectors)
    pairs, sectors = memory.pairs_around(batch.seed_periods(first, until=until), *reach)
    met_again = batch.trace_pairs(
        pairs=pairs, policy=policy, index_ids=[case.person_id], sectors=sectors, degree=2
    )
    assert f1_ids & set(met_again.contact_person.tolist())  # F1s met at F2, listed once, as F1
    open_ids = {v.checkin_id for v in visits if v.end is None}
    assert any(e.checkin_id in open_ids or e.source_checkin_id in open_ids for c in f2 for e in c.exposures)
