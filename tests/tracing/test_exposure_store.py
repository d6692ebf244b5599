"""The compact exposure store: a contact's exposures packed on its row (tracing/exposures.py), what reads
them (the venue filter, the clusters' visitor count) and the migration that moved the old rows in."""

import math
from datetime import UTC, datetime, timedelta

import pytest
from django.db import connection

from epiqr.tracing import batch, engine, exposures
from tests.tracing.test_store import exposure_fields


def _exposure(i: int, *, weighted: float | None, risk: str) -> engine.Exposure:
    at = datetime(2026, 12, 3, 9, 30, 15, 123456, tzinfo=UTC) + timedelta(minutes=i)
    return engine.Exposure(
        person_id=1,
        degree=2,
        venue_id=10 + i,
        checkin_id=2**40 + i,
        start=at,
        end=at + timedelta(minutes=45, microseconds=1),
        source_person_id=99,
        source_checkin_id=7 + i,
        source_start=at - timedelta(minutes=5),
        source_end=at + timedelta(hours=1),
        overlap_minutes=12.34 + i,
        weighted_minutes=weighted,
        risk=risk,
    )


def test_packed_exposures_come_back_whole_and_in_order():
    made = [
        _exposure(3, weighted=None, risk=engine.RISK_HIGH),
        _exposure(1, weighted=17.5, risk=engine.RISK_LOW),
        _exposure(2, weighted=0.0, risk=engine.RISK_HIGH),
    ]
    got = exposures.unpack(exposures.pack(made))
    assert list(map(exposure_fields, got)) == list(map(exposure_fields, made))
    assert [e.position for e in got] == [0, 1, 2] and got[0].weighted_minutes is None
    assert exposures.unpack(b"") == [] and exposures.unpack(None) == []
    with pytest.raises(ValueError):
        exposures.unpack(b"\x02" + exposures.pack(made)[1:])  # an unknown format version
    with pytest.raises(ValueError):
        exposures.unpack(exposures.pack(made)[:-1])  # cut short


def test_columns_pack_each_contact_as_its_objects_would():
    """pack_many (a run's columns at once) gives, per contact, what pack gives for its objects."""
    import numpy as np

    made = [
        _exposure(i, weighted=None if i % 2 else 1.5 * i, risk="high" if i % 3 else "low") for i in range(5)
    ]
    columns = {
        "venue": [e.venue_id for e in made],
        "checkin": [e.checkin_id for e in made],
        "source_person": [e.source_person_id for e in made],
        "source_checkin": [e.source_checkin_id for e in made],
        "high": [e.risk == "high" for e in made],
    }
    for name in ("start", "end", "source_start", "source_end"):
        columns[name] = [batch.micros(getattr(e, name)) for e in made]
    weighted = np.array([math.nan if e.weighted_minutes is None else e.weighted_minutes for e in made])
    table = exposures.records(
        {k: np.array(v) for k, v in columns.items()}, np.array([e.overlap_minutes for e in made]), weighted
    )
    packed, venues = exposures.pack_many(table, np.array([0, 2, 2, 5]))
    assert packed == [exposures.pack(made[:2]), exposures.pack([])[:1], exposures.pack(made[2:])]
    assert venues == [" 10 11 ", "", " 12 13 14 "]


def test_the_venue_filter_matches_whole_ids_only():
    text = exposures.venues_text([12, 3, 12, 345])
    assert text == " 3 12 345 "
    assert exposures.venue_filter(12) in text and exposures.venue_filter(3) in text
    assert exposures.venue_filter(1) not in text and exposures.venue_filter(34) not in text
    assert exposures.venue_filter(45) not in text and exposures.venues_text([]) == ""


def test_cluster_visitors_are_the_people_the_cases_runs_found_there(world, at, visit, case_of):
    """Two cases at the café the same morning make a cluster; its visitors are the people their stored
    runs found exposed there by those visits, each once (Bình met both), not the F2s met elsewhere."""
    from epiqr.tracing import services
    from epiqr.tracing.selectors import cluster_list

    w = world
    visit(w["f0"], w["cafe"], at(10), at(10, 40))
    visit(w["dung"], w["cafe"], at(10, 5), at(10, 45))
    visit(w["binh"], w["cafe"], at(10, 20), at(10, 50))
    visit(w["chau"], w["cafe"], at(11), at(11, 30))  # met only the second case
    visit(w["binh"], w["market"], at(15), at(15, 40))
    visit(w["ha"], w["market"], at(15, 10), at(15, 50))  # F2 at another venue
    first, second = case_of(w["f0"]), case_of(w["dung"])
    for case in (first, second):
        services.run_create(case=case, policy_name="vn-window-60", degree=2)
    [cluster] = [c for c in cluster_list(user=None) if c["venue_id"] == w["cafe"].pk]
    assert {c.pk for c in cluster["cases"]} == {first.pk, second.pk}
    assert cluster["visitors"] == 2  # Bình and Châu


@pytest.mark.django_db(transaction=True)
def test_the_migration_packs_the_old_rows_and_unpacks_them_back(world, at, visit, case_of):
    """Forward: each contact's exposure rows, in the order written, become its packed field and venues;
    back: the rows again, field for field."""
    from django.db.migrations.executor import MigrationExecutor

    from epiqr.tracing import services
    from epiqr.tracing.models import Contact

    def migrate(target):
        executor = MigrationExecutor(connection)
        executor.loader.build_graph()
        executor.migrate([target])
        return executor.loader.project_state(target).apps

    w = world
    visit(w["f0"], w["cafe"], at(10), at(10, 40))
    visit(w["binh"], w["cafe"], at(10, 20), at(10, 50))
    visit(w["f0"], w["market"], at(15), at(15, 30))
    visit(w["binh"], w["market"], at(15, 10), at(15, 40))
    visit(w["ha"], w["market"], at(15, 20), at(15, 50))
    run = services.run_create(case=case_of(w["f0"]), policy_name="vn-window-60", degree=2)
    expected = {c.person_id: [exposure_fields(e) for e in c.exposures] for c in run.contacts.all()}
    assert len(expected[w["binh"].pk]) == 2
    try:
        old = migrate(("tracing", "0005_merge_0003_field_labels_0004_list_indexes"))
        rows = old.get_model("tracing", "Exposure").objects.order_by("contact_id", "id")
        back = {}
        for e in rows:
            person = old.get_model("tracing", "Contact").objects.get(pk=e.contact_id).person_id
            back.setdefault(person, []).append(exposure_fields(e))
        assert back == expected
    finally:  # every app at its latest again, for the tests after this one
        executor = MigrationExecutor(connection)
        executor.migrate(executor.loader.graph.leaf_nodes())
    assert not MigrationExecutor(connection).migration_plan(executor.loader.graph.leaf_nodes())
    again = {c.person_id: c for c in Contact.objects.filter(run_id=run.pk)}
    assert {p: [exposure_fields(e) for e in c.exposures] for p, c in again.items()} == expected
    assert again[w["binh"].pk].venues_text == exposures.venues_text([w["cafe"].pk, w["market"].pk])
