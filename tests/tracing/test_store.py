"""The check-in store's set queries return what the in-memory store returns, on a random world in the
real check-in table (SQLite and PostgreSQL), so that the engine sees the same input either way."""

import random
from datetime import timedelta
from operator import attrgetter

import pytest

from epiqr.tracing import batch, engine
from epiqr.tracing.store import CheckinStore, MemoryStore

pytestmark = pytest.mark.django_db

# Every field an exposure carries, read the same way from a stored row and from the engine's object.
exposure_fields = attrgetter(
    "venue_id",
    "checkin_id",
    "start",
    "end",
    "source_person_id",
    "source_checkin_id",
    "source_start",
    "source_end",
    "overlap_minutes",
    "weighted_minutes",
    "risk",
)


@pytest.fixture
def random_world(world, at, visit):
    """60 check-ins of five people at two venues over a day, with seconds and open check-ins; returns
    the same visits as engine objects for the in-memory store."""
    rng = random.Random(4)
    people = [world[k] for k in ("f0", "binh", "chau", "dung", "ha")]
    venues = [world["cafe"], world["market"]]
    visits = []
    for _ in range(60):
        start = at(6) + timedelta(minutes=rng.randint(0, 14 * 60), seconds=rng.randint(0, 59))
        end = None if rng.random() < 0.3 else start + timedelta(minutes=rng.randint(1, 200))
        c = visit(rng.choice(people), rng.choice(venues), start, end)
        c.refresh_from_db()
        visits.append(c)
    sectors = {v.pk: str(v.sector) for v in venues}
    return [
        engine.Visit(c.pk, c.person_id, c.venue_id, c.checked_in_at, c.checked_out_at, sectors[c.venue_id])
        for c in {c.pk: c for c in visits}.values()
    ]


def test_database_store_equals_memory_store_on_a_random_world(world, at, random_world):
    memory = MemoryStore(random_world)
    db = CheckinStore()
    periods = [engine.Period(world["f0"].pk, at(8), at(14)), engine.Period(world["binh"].pk, at(12), at(20))]

    def key(vs):
        return sorted((v.checkin_id, v.start, v.end, v.sector) for v in vs)

    assert key(db.visits_of(periods)) == key(memory.visits_of(periods))
    windows = [
        engine.Window(world["cafe"].pk, at(9), at(11)),
        engine.Window(world["market"].pk, at(12), at(13)),
    ]
    assert key(db.visits_in(windows)) == key(memory.visits_in(windows))
    for policy in (engine.Policy(name="w", rule="window"), engine.Policy(name="o", rule="overlap")):
        got, around = db.visits_around(periods, *engine.reach(policy))
        want, want_around = memory.visits_around(periods, *engine.reach(policy))
        assert key(got) == key(want) and key(around) == key(want_around)
        assert len(got) > 0 and len(around) > len(got)


@pytest.mark.parametrize("policy", ["vn-window-60", "overlap-15", "cwa-weighted"])
def test_a_stored_run_holds_exactly_what_the_engine_found(cafe_story, at, visit, policy):
    """run_create writes the contacts from columns (binary COPY / executemany), each one's exposures packed
    on its row: every field must survive, including seconds, open check-ins (default dwell), empty weighted
    minutes and F2 exposures."""
    from epiqr.tracing import services

    visit(cafe_story["dung"], cafe_story["market"], at(15, 5) + timedelta(seconds=17))  # open check-in
    _row, result, _period = services.tracing_compute(case=cafe_story["case"], policy_name=policy, degree=2)
    run = services.run_create(case=cafe_story["case"], policy_name=policy, degree=2)
    assert run.contact_count == len(result.contacts) and {c.degree for c in result.contacts} == {1, 2}
    stored = {c.person_id: c for c in run.contacts.all()}
    assert set(stored) == {c.person_id for c in result.contacts}
    for c in result.contacts:
        row = stored[c.person_id]
        assert (row.degree, row.risk, row.overlap_minutes, row.first_exposed_at) == (
            c.degree,
            c.risk,
            c.overlap_minutes,
            c.first_exposed_at,
        )
        assert row.commune_id == row.person.commune_id and row.status == "to_call"
        # packed on the contact's row in the engine's own order
        assert list(map(exposure_fields, row.exposures)) == list(map(exposure_fields, c.exposures))


@pytest.mark.parametrize("policy_name", ["vn-window-60", "overlap-15", "cwa-weighted"])
def test_batch_pairs_from_the_database_give_what_the_memory_pairs_give(
    world, at, random_world, case_of, policy_name
):
    """The batch path's one query (one packed row read in binary on PostgreSQL) pairs the same visits as the in-memory
    store, and the batch then finds the same contacts for each F0 as the engine does alone."""
    from epiqr.tracing.selectors import policy_engine, policy_get

    case_of(world["chau"])  # an active case: flagged in the pairs, never a contact
    policy = policy_engine(policy_get(name=policy_name))
    periods = [engine.Period(world["f0"].pk, at(8), at(14)), engine.Period(world["binh"].pk, at(12), at(20))]
    before, after = engine.reach(policy)
    got, got_sectors = CheckinStore().pairs_around(periods, before, after)
    memory = MemoryStore(random_world, cases={world["chau"].pk})
    want, want_sectors = memory.pairs_around(periods, before, after)

    def rows(p, exact=False):
        out = set(zip(*(getattr(p, c).tolist() for c in batch.PAIR_COLUMNS), strict=True))
        # The database adds a second of slack each way: the rules decide, so only the exact window is compared.
        reach = (int(before.total_seconds() * 1e6), int(after.total_seconds() * 1e6))
        return {r for r in out if -reach[0] <= r[7] - r[2] <= reach[1]} if exact else out

    assert rows(got, exact=True) == rows(want) and len(want) > 20
    assert any(r[9] for r in rows(want)) and got_sectors == want_sectors
    ids = [p.person_id for p in periods]
    from_db = batch.trace_pairs(pairs=got, policy=policy, index_ids=ids, sectors=got_sectors)
    for period in periods:
        alone = engine.trace(
            periods=[period],
            store=MemoryStore(random_world, cases={world["chau"].pk}),
            policy=policy,
            known_cases=set(ids) - {period.person_id},
        ).contacts
        assert from_db.contacts_of(period.person_id) == alone


def test_batch_pairs_are_empty_when_no_index_person_went_anywhere(world, at, random_world):
    """An F0 without a visit in the period: nothing to pair (on PostgreSQL the packed fields are null)."""
    periods = [engine.Period(world["f0"].pk, at(0, 0, days_ago=5), at(1, 0, days_ago=5))]
    pairs, sectors = CheckinStore().pairs_around(
        periods, *engine.reach(engine.Policy(name="w", rule="window"))
    )
    assert len(pairs) == 0 and sectors == {}


def _checkin_reads(sql: str) -> list[str]:
    """Each read of the check-in table in a statement: the text from the table's name to the end of its
    condition (the next SELECT, JOIN or UNION, or the end)."""
    from epiqr.checkins.models import CheckIn

    reads = []
    for part in sql.split(CheckIn._meta.db_table)[1:]:
        ends = [i for i in (part.find(w) for w in ("SELECT ", " JOIN ", " UNION ")) if i >= 0]
        reads.append(part[: min(ends, default=len(part))])
    return reads


def test_every_read_of_the_checkin_table_bounds_the_checkin_time(cafe_story, at, visit, monkeypatch):
    """The check-in table is partitioned by day on PostgreSQL: each of tracing's reads of it carries
    a lower and an upper bound on checked_in_at (the period, or the window around a visit), so the
    planner reads only the days concerned. F1, F2, a batch, a citizen's own visits and a cluster check."""
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    from epiqr.checkins.models import CheckIn
    from epiqr.tracing import services, store
    from epiqr.tracing.store import checkins_of_person

    case = cafe_story["case"]
    copied = []  # the packed reads (PostgreSQL) go past Django's query log
    real_read = store._binary_row
    monkeypatch.setattr(
        store, "_binary_row", lambda conn, sql, params: copied.append(sql) or real_read(conn, sql, params)
    )
    with CaptureQueriesContext(connection) as captured:
        for degree in (1, 2):
            assert services.tracing_compute(case=case, policy_name="vn-window-60", degree=degree)[1].contacts
        assert services.tracing_compute_batch(cases=[case], policy_name="cwa-weighted").contact_count
        assert checkins_of_person(person_id=case.person_id, since=at(0, 0, days_ago=3))
    logged = [q["sql"] for q in captured.captured_queries] + copied
    statements = [sql for sql in logged if CheckIn._meta.db_table in sql]
    reads = [r for s in statements for r in _checkin_reads(s)]
    assert len(statements) >= 4 and len(reads) >= 7
    for read in reads:
        assert "checked_in_at >=" in read and "checked_in_at <=" in read, read


@pytest.mark.postgres_only
@pytest.mark.django_db(transaction=True)
def test_the_reads_settings_hold_for_their_own_transaction_only(require_postgres, world, at, random_world):
    """Tracing's reads switch PostgreSQL's JIT compiler off and ask for generic plans with SET LOCAL
    semantics: the connection (pooled in production) keeps its own settings afterwards, inside or outside
    a transaction."""
    from django.db import connection, transaction

    def settings() -> tuple[str, str]:
        with connection.cursor() as cur:
            cur.execute("SELECT current_setting('jit'), current_setting('plan_cache_mode')")
            return cur.fetchone()

    before = settings()
    assert before[1] == "auto"
    periods = [engine.Period(world["f0"].pk, at(8), at(14))]
    reach = engine.reach(engine.Policy(name="w", rule="window"))
    assert len(CheckinStore().pairs_around(periods, *reach)[0]) > 0
    assert settings() == before
    with transaction.atomic():
        assert CheckinStore().visits_around(periods, *reach)[1]
        # the enclosing transaction's own settings, until it ends
        assert settings() == ("off", "force_generic_plan")
    assert settings() == before


@pytest.mark.postgres_only
@pytest.mark.django_db(transaction=True)
def test_an_f0_read_again_is_not_planned_again(require_postgres, cafe_story):
    """The packed read of one F0 is prepared on its connection and, after the planner's five trial custom
    plans, runs on one generic plan for good (the day partitions are pruned per visit at execution):
    planning it again each time cost more than running it. No SET or transaction is needed for that
    (store.ONE_PERIOD). Behind a transaction pooler nothing is prepared (tests/core/test_pooler.py)."""
    from django.db import connection

    from epiqr.tracing import services

    def plans() -> list[tuple[int, int]]:
        with connection.cursor() as cur:
            cur.execute(
                "SELECT generic_plans, custom_plans FROM pg_prepared_statements WHERE statement LIKE %s",
                ["%string_agg(int8send(f.i)%"],
            )
            return cur.fetchall()

    found = [
        services.tracing_compute(case=cafe_story["case"], policy_name="vn-window-60")[1] for _ in range(8)
    ]
    assert all(r.contacts == found[0].contacts for r in found) and found[0].contacts
    assert len(plans()) == 1  # one statement text, whatever the F0
    generic, custom = plans()[0]
    assert custom <= 5 and generic >= 1
    for _ in range(5):
        services.tracing_compute(case=cafe_story["case"], policy_name="vn-window-60")
    assert plans()[0] == (generic + 5, custom)


@pytest.mark.postgres_only
@pytest.mark.django_db(transaction=True)
def test_one_f0s_generic_plan_leaves_out_the_days_outside_its_period_as_it_starts(
    require_postgres, cafe_story
):
    """On its generic plan the read of one F0 prunes the day partitions its period misses when the
    executor starts (EXPLAIN's "Subplans Removed"), not row by row after opening every partition's index
    (store.ONE_PERIOD)."""
    from django.db import connection, transaction

    from epiqr.cases.selectors import case_period
    from epiqr.tracing import engine, store
    from epiqr.tracing.selectors import policy_engine, policy_get

    policy = policy_engine(policy_get(name="vn-window-60"))
    case = cafe_story["case"]
    period = case_period(case=case, days_before=policy.infectious_days_before)
    sql = store._one_period_sql(*engine.reach(policy))
    for n in (1, 2, 3):
        sql = sql.replace("%s", f"${n}", 1)
    args = f"{int(case.person_id)}, '{period.start.isoformat()}', '{period.end.isoformat()}'"
    with transaction.atomic(), connection.cursor() as cur:
        cur.execute("SELECT count(*) FROM pg_inherits WHERE inhparent = 'checkins_checkin'::regclass")
        assert cur.fetchone()[0] >= 3  # the day partitions of the test database
        cur.execute("SET LOCAL plan_cache_mode = force_generic_plan")
        cur.execute(f"PREPARE one_f0 AS {sql}")
        cur.execute(f"EXPLAIN (ANALYZE, COSTS OFF, SUMMARY OFF) EXECUTE one_f0({args})")
        plan = "\n".join(r[0] for r in cur.fetchall())
        cur.execute("DEALLOCATE one_f0")
    visits = plan[plan.index("CTE f") : plan.index("InitPlan")]
    assert "Subplans Removed" in visits, plan


@pytest.mark.parametrize("policy_name", ["vn-window-60", "overlap-15", "cwa-weighted"])
def test_one_f0_by_the_batch_path_is_what_the_engine_finds(world, at, random_world, case_of, policy_name):
    """tracing_compute at degree 1 reads and matches on columns (services.tracing_compute_columns): the same index
    visits, contacts with their exposures, and cases left out as engine.trace() over the store."""
    from epiqr.tracing import services
    from epiqr.tracing.selectors import policy_engine, policy_get

    case_of(world["chau"])  # met by the F0: left out as a case
    case = case_of(world["f0"])
    _row, got, period = services.tracing_compute(case=case, policy_name=policy_name)
    want = engine.trace(
        periods=[engine.Period(case.person_id, period.start, period.end)],
        store=CheckinStore(),
        policy=policy_engine(policy_get(name=policy_name)),
    )
    assert got.contacts == want.contacts and got.index_visits == want.index_visits
    assert got.skipped_cases == want.skipped_cases and got.policy == want.policy
    assert len(want.index_visits) > 3 and want.contacts
    assert world["chau"].pk in want.skipped_cases or policy_name != "vn-window-60"
