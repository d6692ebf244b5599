"""Property: tracing a batch of F0s over columns gives each F0 exactly the contacts and exposures that
engine.trace() gives that F0 alone, on random small worlds, for every policy.

The engine is the definition of each policy (and is itself checked against a brute-force oracle in
test_engine_oracle.py); the batch path re-implements its arithmetic on integers and must not drift.
"""

from datetime import UTC, timedelta

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from epiqr.tracing import batch, engine
from epiqr.tracing.engine import Period, Policy, Visit
from epiqr.tracing.store import MemoryStore
from tests.tracing.test_engine_oracle import POLICIES as ORACLE_POLICIES
from tests.tracing.test_engine_oracle import T0, VN

# The engine oracle's policies, plus sector dwells on the window rule and another risk level for CWA.
POLICIES = [
    *ORACLE_POLICIES,
    Policy(
        name="vn-window-60-sectors",
        rule="window",
        window_minutes=60,
        high_risk_minutes=20,
        dwell_by_sector={"retail": 20, "food": 50},
        max_presence_minutes=120,
    ),
    Policy(name="cwa-trl-3", rule="cwa", default_dwell_minutes=25, transmission_risk_level=3),
]
INDEX = (0, 1, 2)
SECTORS = {1: "food", 2: "retail", 3: ""}  # a sector belongs to the venue


@st.composite
def worlds(draw):
    n = draw(st.integers(1, 40))
    visits = []
    for i in range(n):
        person = draw(st.integers(0, 8))
        start = T0 + timedelta(
            minutes=draw(st.integers(0, 16 * 60)), seconds=draw(st.sampled_from([0, 0, 1, 23, 37, 59]))
        )
        stay = draw(st.one_of(st.none(), st.integers(-5, 300)))
        end = (
            None
            if stay is None
            else start + timedelta(minutes=stay, microseconds=draw(st.sampled_from([0, 250])))
        )
        tz = draw(st.sampled_from([VN, UTC]))  # the same instants recorded in different zones
        venue = draw(st.integers(1, 3))
        visits.append(
            Visit(
                i + 1,
                person,
                venue,
                start.astimezone(tz),
                None if end is None else end.astimezone(tz),
                SECTORS[venue],
            )
        )
    index = draw(st.lists(st.sampled_from(INDEX), min_size=1, max_size=3, unique=True))
    periods = []
    for person in index:
        start = T0 + timedelta(minutes=draw(st.integers(0, 8 * 60)))
        periods.append(Period(person, start, start + timedelta(minutes=draw(st.integers(0, 10 * 60)))))
    cases = set(draw(st.sets(st.integers(3, 8), max_size=2)))
    return visits, periods, cases


def batch_of(visits, periods, cases, policy):
    pairs, sectors = MemoryStore(visits, cases=cases).pairs_around(periods, *engine.reach(policy))
    return batch.trace_pairs(
        pairs=pairs, policy=policy, index_ids=[p.person_id for p in periods], sectors=sectors
    )


def alone(visits, periods, cases, policy, period):
    """The engine on one F0; the batch's other F0s are cases too."""
    others = {p.person_id for p in periods} - {period.person_id}
    return engine.trace(
        periods=[period], store=MemoryStore(visits, cases=cases), policy=policy, known_cases=others
    ).contacts


def shifted(world, base: int):
    """The same world with every person id moved up by `base`."""
    visits, periods, cases = world
    return (
        [Visit(v.checkin_id, v.person_id + base, v.venue_id, v.start, v.end, v.sector) for v in visits],
        [Period(p.person_id + base, p.start, p.end) for p in periods],
        {c + base for c in cases},
    )


# Person ids that fit in 32 bits are grouped by one sort of (F0, person) packed in an integer; larger
# ones by a sort on every key (batch._exposure_order): both must give the engine's result.
@settings(max_examples=300, deadline=None)
@given(worlds(), st.sampled_from(POLICIES), st.sampled_from([0, 2**33]))
def test_batch_equals_the_engine_for_each_f0(world, policy, id_base):
    visits, periods, cases = shifted(world, id_base)
    result = batch_of(visits, periods, cases, policy)
    total = 0
    for period in periods:
        want = alone(visits, periods, cases, policy, period)
        assert result.contacts_of(period.person_id) == want
        contacts, high = result.counts()[period.person_id]
        assert (contacts, high) == (len(want), sum(c.risk == engine.RISK_HIGH for c in want))
        total += len(want)
    assert result.contact_count == total


def test_two_f0s_at_one_cafe_share_a_visitor_but_each_lists_her():
    """An (F0) and Bình (F0) were at the same café; Chi sat between them. Each F0's list has Chi once,
    with that F0's own visit as the reason; neither F0 is the other's contact."""
    cafe, sector = 7, "food"
    visits = [
        Visit(1, 0, cafe, T0.replace(hour=9), T0.replace(hour=9, minute=40), sector),  # An
        Visit(2, 1, cafe, T0.replace(hour=9, minute=50), T0.replace(hour=10, minute=30), sector),  # Bình
        Visit(3, 5, cafe, T0.replace(hour=9, minute=30), T0.replace(hour=10), sector),  # Chi
    ]
    periods = [Period(0, T0, T0 + timedelta(hours=12)), Period(1, T0, T0 + timedelta(hours=12))]
    policy = POLICIES[0]
    result = batch_of(visits, periods, set(), policy)
    for f0, own_visit, minutes in ((0, 1, 10.0), (1, 2, 10.0)):
        [chi] = result.contacts_of(f0)
        assert chi.person_id == 5 and [e.source_checkin_id for e in chi.exposures] == [own_visit]
        assert chi.exposures[0].overlap_minutes == minutes and chi.risk == engine.RISK_LOW
    assert result.counts() == {0: (1, 0), 1: (1, 0)}


def test_an_empty_batch_and_an_f0_without_visits():
    result = batch_of([], [Period(0, T0, T0 + timedelta(hours=1))], set(), POLICIES[0])
    assert result.contact_count == 0 and result.contacts_of(0) == [] and result.counts() == {0: (0, 0)}


@pytest.mark.parametrize("base", [0, 10**12])  # small ids: a table indexed by id; huge ones: a sort
def test_each_pair_gets_its_venue_sectors_dwell(base):
    from epiqr.tracing.batch import MINUTE, _dwell

    policy = POLICIES[-2]  # window rule, dwell by sector, default dwell 15
    venue = np.array([base + 1, base + 2, base + 3, base + 1, base + 4], dtype=np.int64)
    sectors = {base + 1: "food", base + 2: "retail", base + 3: "", base + 4: "school"}
    got = (_dwell(venue, sectors, policy) // MINUTE).tolist()
    default = policy.default_dwell_minutes
    assert got == [50, 20, default, 50, default]


@settings(max_examples=300, deadline=None)
@given(st.integers(min_value=0, max_value=4_102_444_800 * 1_000_000))  # 1970 to 2100
def test_microseconds_turn_back_into_the_same_instant(value):
    """from_micros (a float of seconds, for speed) gives exactly the instant of the integer, to the
    microsecond, and micros() gives the integer back."""
    exact = batch.EPOCH + timedelta(microseconds=value)
    assert batch.from_micros(value) == exact and batch.from_micros(value).tzinfo is not None
    assert batch.micros(batch.from_micros(value)) == value
    [many] = batch.from_micros_many(np.array([value], dtype=np.int64))
    assert many == exact and many.tzinfo is not None


def test_microseconds_at_the_edges_of_a_second_and_of_the_range():
    base = 1_790_000_000 * 1_000_000  # 2026
    for value in [
        0,
        1,
        999_999,
        4_102_444_799_999_999,
        *(base + d for d in (-1, 0, 1, 499_999, 500_000, 999_999)),
    ]:
        assert batch.from_micros(value) == batch.EPOCH + timedelta(microseconds=value)
    for value in range(base, base + 2_000_000, 7):  # every 7th microsecond of two seconds
        assert batch.micros(batch.from_micros(value)) == value
    values = np.arange(base - 1_000_000, base + 2_000_000, 3, dtype=np.int64)
    assert batch.from_micros_many(values) == [
        batch.EPOCH + timedelta(microseconds=v) for v in values.tolist()
    ]


@settings(max_examples=300, deadline=None)
@given(
    st.dictionaries(
        st.tuples(st.integers(0, 3), st.integers(0, 500)),  # (source, person): one contact each
        st.sampled_from([0, 1, 2, 10**9, 2**41, 2**43]),  # first exposures with ties, near and far
        max_size=300,
    )
)
def test_contacts_are_ordered_by_source_first_exposure_then_person(contacts):
    """batch._contact_order on contacts in (source, person) order, whether their first exposures span
    less than 2**42 microseconds (one packed sort) or more (two): the order of a sort on all three."""
    keys = sorted(contacts)
    source = np.array([s for s, _ in keys], dtype=np.int64)
    person = np.array([p for _, p in keys], dtype=np.int64)
    first = np.array([contacts[k] for k in keys], dtype=np.int64)
    got = batch._contact_order(source, first)
    assert got.tolist() == np.lexsort((person, first, source)).tolist()


def same_result(got: batch.BatchResult, want: batch.BatchResult) -> None:
    """Every column, the F0s, the cases left out and the counts of two batch results are equal."""
    assert got.exposures.keys() == want.exposures.keys()
    for name in want.exposures:
        assert got.exposures[name].tolist() == want.exposures[name].tolist(), name
    for name in ("contact_source", "contact_person", "contact_first", "contact_high", "contact_bounds"):
        assert getattr(got, name).tolist() == getattr(want, name).tolist(), name
    assert (got.index_ids, got.skipped, got.counts()) == (want.index_ids, want.skipped, want.counts())


@settings(max_examples=300, deadline=None)
@given(worlds(), st.sampled_from(POLICIES), st.integers(1, 3))
def test_a_batch_traced_in_parts_and_joined_is_the_batch_traced_whole(world, policy, cut):
    """What tracing_compute_batch does while the database reads the next part (store.pairs_around_each):
    the F0s split by person id, each part traced with the whole batch shut out, the results joined
    (batch.concat_results). It gives the one-part result: the same columns, in the same order, the same
    cases left out (the other parts' F0s are not among them)."""
    visits, periods, cases = world
    everyone = {p.person_id for p in periods}
    cases = cases | everyone  # as in the database: the F0s are cases, met by each other's parts
    whole = batch_of(visits, periods, cases, policy)
    ordered = sorted(periods, key=lambda p: p.person_id)
    memory = MemoryStore(visits, cases=cases)
    parts = []
    for part in (ordered[:cut], ordered[cut:]):
        pairs, sectors = memory.pairs_around(part, *engine.reach(policy))
        parts.append(
            batch.trace_pairs(
                pairs=pairs,
                policy=policy,
                index_ids=[p.person_id for p in part],
                sectors=sectors,
                excluded=everyone,
            )
        )
    same_result(batch.concat_results(parts, index_ids=[p.person_id for p in periods]), whole)


def test_parts_out_of_person_order_are_refused():
    """Joined the wrong way round, contacts would no longer be found by their F0 (contacts_of searches a
    sorted column): refused rather than answered wrongly."""
    cafe = 7
    visits = [
        Visit(1, 0, cafe, T0.replace(hour=9), T0.replace(hour=10), "food"),
        Visit(2, 1, cafe, T0.replace(hour=12), T0.replace(hour=13), "food"),
        Visit(3, 5, cafe, T0.replace(hour=9, minute=20), T0.replace(hour=10), "food"),
        Visit(4, 6, cafe, T0.replace(hour=12, minute=10), T0.replace(hour=13), "food"),
    ]
    periods = [Period(0, T0, T0 + timedelta(hours=14)), Period(1, T0, T0 + timedelta(hours=14))]
    policy = POLICIES[0]
    parts = [batch_of(visits, [p], set(), policy) for p in periods]
    assert batch.concat_results(parts, index_ids=[0, 1]).counts() == {0: (1, 1), 1: (1, 1)}
    with pytest.raises(ValueError):
        batch.concat_results(parts[::-1], index_ids=[0, 1])
