"""A large run's F2 stored packed with the run and filed into rows after the commit (tracing/packs.py):
the same rows as written at once, resumable, complete for every reader that needs the whole run; and the
export of a large run, read a chunk of contacts at a time as its file is written."""

import io

import numpy as np
import pytest
from django.db import connection

from epiqr.core.models import AuditEvent
from epiqr.tracing import packs, selectors, services
from epiqr.tracing.exposures import RECORD
from epiqr.tracing.models import Contact, ContactPack, FollowUp, TracingRun
from tests.factories import PersonFactory
from tests.tracing.test_lists import login

pytestmark = pytest.mark.django_db

F2_PEOPLE = 7


@pytest.fixture
def market_story(world, at, visit, case_of):
    """An (F0) at the café with Bình and Châu (F1); then Bình at the market with seven people and Châu
    at the café again with Dũng: eight F2s, Dũng among them. Each has a phone; two have an email."""
    w = world
    visit(w["f0"], w["cafe"], at(10), at(10, 40))
    visit(w["binh"], w["cafe"], at(10, 20), at(10, 50))
    visit(w["chau"], w["cafe"], at(10, 25), at(11))
    market = [
        PersonFactory(full_name=f"Người Chợ Thử {i}", commune=w["binh"].commune, email=f"cho{i}@example.test")
        if i < 2
        else PersonFactory(full_name=f"Người Chợ Thử {i}", commune=w["binh"].commune)
        for i in range(F2_PEOPLE)
    ]
    visit(w["binh"], w["market"], at(15), at(15, 40))
    for i, person in enumerate(market):
        visit(person, w["market"], at(15, 5 + i), at(15, 45))
    visit(w["chau"], w["cafe"], at(17), at(17, 40))
    visit(w["dung"], w["cafe"], at(17, 10), at(17, 50))
    return {**w, "market_people": market, "case": case_of(w["f0"])}


def rows_of(run_id: int) -> list[tuple]:
    """Every stored field of a run's contacts, by person (ids and the run aside)."""
    return sorted(
        Contact.objects.filter(run_id=run_id).values_list(
            "person_id", "degree", "risk", "overlap_minutes", "first_exposed_at", "commune_id", "status",
            "new_case_id", "exposure_data", "venues_text",
        )
    )  # fmt: skip


def run_packed(case, settings, django_capture_on_commit_callbacks, **kw) -> tuple[TracingRun, list]:
    """run_create with every F2 packed (nothing past the F1 written at once); the filing it queues on
    commit, not run."""
    settings.EPIQR_TRACING_FILE_AT_ONCE = 0
    with django_capture_on_commit_callbacks(execute=False) as queued:
        run = services.run_create(case=case, policy_name="vn-window-60", degree=2, **kw)
    return run, queued


def _columns(**changed) -> packs.ContactColumns:
    records = np.zeros(5, dtype=RECORD)
    records["venue"] = [1, 2, 3, 4, 5]
    columns = {
        "person": np.array([11, 12, 13]),
        "degree": np.array([1, 2, 2], dtype=np.uint8),
        "high": np.array([True, False, True]),
        "overlap": np.array([20.5, 3.0, 1.25]),
        "first": np.array([10**15, 10**15 + 1, -5]),
        "status": packs.status_codes([FollowUp.TO_CALL, FollowUp.REACHED, FollowUp.QUARANTINED]),
        "new_case": np.array([0, 0, 77]),
        "records": records,
        "bounds": np.array([0, 1, 1, 5]),
    }
    return packs.ContactColumns(**{**columns, **changed})


def _npz(**arrays) -> bytes:
    out = io.BytesIO()
    np.savez(out, **arrays)
    return out.getvalue()


def test_the_packed_form_gives_back_what_was_packed_and_refuses_anything_else():
    columns = _columns()
    back = packs.unpack(packs.pack(columns))
    for name in packs.DTYPES:
        assert np.array_equal(getattr(back, name), getattr(columns, name)), name
    assert packs.STATUS_NAMES[back.status].tolist() == ["to_call", "reached", "quarantined"]
    part = back.rows(1, 3)
    assert part.person.tolist() == [12, 13] and part.bounds.tolist() == [0, 0, 4]
    assert part.records["venue"].tolist() == [2, 3, 4, 5]
    arrays = {name: getattr(columns, name) for name in packs.DTYPES}
    # The statuses are read by their names: a pack written when the list was in another order still
    # says the same.
    reordered = np.array(list(reversed(packs.STATUSES)))
    old_codes = np.array([list(reordered).index(packs.STATUSES[c]) for c in columns.status], dtype=np.uint8)
    again = packs.unpack(_npz(**{**arrays, "status": old_codes}, status_names=reordered))
    assert np.array_equal(again.status, columns.status)
    for garbage in (
        b"",
        b"not a zip",
        packs.pack(columns)[:-20],
        _npz(**arrays),  # no status names
        _npz(**{**arrays, "status": np.array([0, 1, 99], dtype=np.uint8)}, status_names=packs.STATUS_NAMES),
        _npz(**arrays, status_names=np.array(["to_call", "gone", "x", "y"])),
        # A column of Python objects would need pickle to load: refused, never unpickled.
        _npz(**{**arrays, "person": np.array([object()] * 3, dtype=object)}, status_names=packs.STATUS_NAMES),
        packs.pack(_columns(degree=np.array([1], dtype=np.uint8))),  # columns of different lengths
    ):
        with pytest.raises(ValueError):
            packs.unpack(garbage)


def test_a_large_f2_is_stored_packed_and_filed_after_the_commit_as_the_same_rows(
    market_story, settings, django_capture_on_commit_callbacks
):
    case = market_story["case"]
    whole = services.run_create(case=case, policy_name="vn-window-60", degree=2)
    expected = rows_of(whole.pk)
    assert sum(1 for r in expected if r[1] == 2) == F2_PEOPLE + 1
    TracingRun.objects.filter(pk=whole.pk).delete()

    run, queued = run_packed(case, settings, django_capture_on_commit_callbacks)
    # Stored: the run, its F1 as rows, the F2 packed; the filing waits for the commit.
    assert run.contact_count == len(expected) and len(queued) == 1
    assert sorted(Contact.objects.filter(run=run).values_list("degree", flat=True)) == [1, 1]
    pack = ContactPack.objects.get(run=run)
    assert (pack.total, pack.filed, pack.filed_at) == (F2_PEOPLE + 1, 0, None)
    assert selectors.run_filing(run=run).total == F2_PEOPLE + 1
    assert selectors.run_summary(run=run, user=None)["contacts_filed"] == 2
    queued[0]()  # the commit's callback: the task, at once with the in-process backend
    assert rows_of(run.pk) == expected
    pack.refresh_from_db()
    assert pack.filed == pack.total and bytes(pack.data) == b"" and pack.filed_at is not None
    assert selectors.run_filing(run=run) is None
    assert selectors.run_summary(run=run, user=None)["contacts_filed"] is None
    assert services.run_contacts_file(run_id=run.pk) == 0  # a second filer finds nothing left


def test_filing_resumes_where_a_stopped_filer_left_it(
    market_story, settings, django_capture_on_commit_callbacks, monkeypatch
):
    run, _queued = run_packed(market_story["case"], settings, django_capture_on_commit_callbacks)
    write = services._contacts_write
    calls = []

    def dies_on_the_second_chunk(**kw):
        calls.append(len(kw["columns"]))
        if len(calls) == 2:
            raise RuntimeError("worker stopped")
        write(**kw)

    monkeypatch.setattr(services, "_contacts_write", dies_on_the_second_chunk)
    with pytest.raises(RuntimeError):
        services.run_contacts_file(run_id=run.pk, chunk=3)
    assert ContactPack.objects.get(run=run).filed == 3  # the first chunk stayed, the second rolled back
    assert Contact.objects.filter(run=run).count() == 2 + 3
    monkeypatch.setattr(services, "_contacts_write", write)
    from epiqr.core.scheduler import jobs_run_due

    assert "tracing.file_contacts" in jobs_run_due()  # the minute's sweep files the rest, each once
    assert Contact.objects.filter(run=run).count() == run.contact_count
    assert Contact.objects.filter(run=run).values("person").distinct().count() == run.contact_count


def test_the_export_and_the_notices_of_a_run_still_being_filed_name_everyone(
    market_story, settings, django_capture_on_commit_callbacks, make_user, commune
):
    officer = make_user(commune=commune)
    run, _queued = run_packed(market_story["case"], settings, django_capture_on_commit_callbacks)
    visible = Contact.objects.filter(run=run).count()
    assert visible == 2
    plan = services.run_notify_plan(run=run, actor=officer, channel="email", degree=2)
    assert sorted(n.recipient for n in plan.notices) == ["cho0@example.test", "cho1@example.test"]
    assert selectors.run_filing(run=run) is None  # filed before the plan was made
    run2, _queued = run_packed(market_story["case"], settings, django_capture_on_commit_callbacks)
    sheet, _name = services.run_export(run=run2, actor=officer, fmt="csv", purpose="gọi điện")
    rows = list(sheet.rows)
    # Every contact living in the officer's commune, one row per exposure: Bình, the seven at the market
    # and Dũng (Châu lives elsewhere).
    assert len(rows) == 1 + F2_PEOPLE + 1
    event = AuditEvent.objects.filter(action="tracing.export", target_id=str(run2.pk)).get()
    assert event.row_count == len(rows)


def test_a_rerun_carries_over_from_the_whole_previous_run(
    market_story, settings, django_capture_on_commit_callbacks
):
    case = market_story["case"]
    first, queued = run_packed(case, settings, django_capture_on_commit_callbacks)
    queued[0]()
    someone = Contact.objects.get(run=first, person=market_story["market_people"][3])
    services.contact_transition(contact=someone, to=FollowUp.REACHED, actor=None)
    second, _queued = run_packed(case, settings, django_capture_on_commit_callbacks)  # left pending
    third, _queued = run_packed(case, settings, django_capture_on_commit_callbacks)
    # The second run was filed before the third compared itself with it and carried its statuses over.
    assert selectors.run_filing(run=second) is None
    assert third.changes == {"previous_run": second.pk, "added": [], "removed": [], "degree_changed": []}
    services.run_contacts_file(run_id=third.pk)
    assert Contact.objects.get(run=third, person=someone.person).status == FollowUp.REACHED
    assert Contact.objects.get(run=second, person=someone.person).status == FollowUp.REACHED


def test_deleting_a_run_still_being_filed_takes_its_pack_and_files_nothing(
    market_story, settings, django_capture_on_commit_callbacks
):
    run, queued = run_packed(market_story["case"], settings, django_capture_on_commit_callbacks)
    run.delete()
    assert not ContactPack.objects.exists() and not Contact.objects.exists()
    queued[0]()  # the queued filing finds no pack
    assert not Contact.objects.exists()


def test_the_run_page_and_the_api_say_the_f2_is_being_filed(
    market_story, settings, django_capture_on_commit_callbacks, make_user, commune, other_commune, api_client
):
    officer = make_user(commune=commune)
    run, queued = run_packed(market_story["case"], settings, django_capture_on_commit_callbacks)
    page = login(officer).get(f"/tracing/runs/{run.pk}/", HTTP_ACCEPT_LANGUAGE="vi").content.decode()
    assert "đang được ghi" in page and f"0 / {F2_PEOPLE + 1}" in page
    client = api_client(officer)
    assert client.get(f"/api/v1/tracing/runs/{run.pk}").json()["contacts_filed"] == 2
    [listed] = [r for r in client.get("/api/v1/tracing/runs").json()["items"] if r["id"] == run.pk]
    assert listed["contacts_filed"] == 2
    # An officer of the next commune, who sees the run through Châu, learns nothing of its size.
    neighbour = make_user(commune=other_commune)
    theirs = login(neighbour).get(f"/tracing/runs/{run.pk}/").content.decode()
    assert "vẫn đang được ghi" in theirs and f"/ {F2_PEOPLE + 1}" not in theirs
    assert api_client(neighbour).get(f"/api/v1/tracing/runs/{run.pk}").json()["contacts_filed"] is None
    queued[0]()
    assert "đang được ghi" not in login(officer).get(f"/tracing/runs/{run.pk}/").content.decode()
    assert client.get(f"/api/v1/tracing/runs/{run.pk}").json()["contacts_filed"] is None


@pytest.mark.postgres_only
def test_postgresql_compresses_the_packed_value_with_lz4(require_postgres):
    """pglz, PostgreSQL's default, took 1.5 s for the pack of a 246,637-contact F2; lz4 0.28 s."""
    with connection.cursor() as cur:
        cur.execute(
            "SELECT attstorage, attcompression FROM pg_attribute"
            " WHERE attrelid = %s::regclass AND attname = 'data'",
            [ContactPack._meta.db_table],
        )
        assert cur.fetchone() == ("x", "l")


def test_an_export_reads_its_contacts_a_chunk_at_a_time_and_is_audited_when_written(
    market_story, make_user, commune, monkeypatch, django_capture_on_commit_callbacks
):
    """The same rows in the same order whatever the chunk (an F2 still names the F1 it was reached
    through when that F1 was read in an earlier chunk); the event is written once the last row is."""
    officer = make_user(commune=commune)
    run = services.run_create(case=market_story["case"], policy_name="vn-window-60", degree=2)
    whole = list(services.export_rows(run=run, actor=officer))
    assert len(whole) == 1 + F2_PEOPLE + 1 and sum(1 for r in whole if r[13]) == F2_PEOPLE + 1
    read = []
    every = services.contacts_with_exposures

    def counted(contacts):
        read.append(len(contacts := list(contacts)))
        return every(contacts)

    monkeypatch.setattr(services, "EXPORT_CHUNK", 2)
    monkeypatch.setattr(services, "contacts_with_exposures", counted)
    sheet, _name = services.run_export(run=run, actor=officer, fmt="csv", purpose="gọi điện")
    rows = iter(sheet.rows)
    first = [next(rows), next(rows)]
    assert read == [2] and not AuditEvent.objects.filter(action="tracing.export").exists()
    assert first + list(rows) == whole
    assert read == [min(2, len(whole) - i) for i in range(0, len(whole), 2)]  # one contact, one row here
    event = AuditEvent.objects.get(action="tracing.export")
    assert (event.actor, event.reason, event.row_count) == (officer, "gọi điện", len(whole))
    # The run page's export job: the file written chunk by chunk inside one audited read of its people.
    client = login(officer)
    with django_capture_on_commit_callbacks(execute=True):
        started = client.post(f"/tracing/runs/{run.pk}/export/", {"format": "xlsx", "purpose": "báo cáo"})
    assert f"Đã xuất {len(whole)} dòng" in client.get(started["Location"]).content.decode()
    job_event = AuditEvent.objects.filter(action="tracing.export").latest("at")
    assert (job_event.reason, job_event.row_count) == ("báo cáo", len(whole))
    assert job_event.people_count == len(whole)  # each contact in the file, read once


def test_an_exported_f2_names_the_first_three_f1s_it_was_reached_through_and_counts_the_rest(
    world, at, visit, case_of, make_user, commune
):
    """Hà met four F1s at the market: the row names the three she met first and says one more (every one
    stays on the API's contact)."""
    w = world
    fourth = PersonFactory(full_name="Vũ Thị Thử", commune=w["binh"].commune)
    f1s = [w["binh"], w["chau"], w["dung"], fourth]
    visit(w["f0"], w["cafe"], at(10), at(11))
    for i, person in enumerate(f1s):
        visit(person, w["cafe"], at(10, 5 + i), at(10, 50))
        visit(person, w["market"], at(15, 5 * i), at(15, 50))
    visit(w["ha"], w["market"], at(15, 1), at(15, 45))
    run = services.run_create(case=case_of(w["f0"]), policy_name="vn-window-60", degree=2)
    officer = make_user(commune=commune)
    rows = [r for r in services.export_rows(run=run, actor=officer) if r[0] == "Hoàng Thu Hà"]
    assert len(rows) == 4 and len({r[13] for r in rows}) == 1  # a row per F1 met, the same cell on each
    ha = rows[0]
    f1_contacts = dict(Contact.objects.filter(run=run, degree=1).values_list("person_id", "pk"))
    assert ha[13] == (
        f"Trần Thị Bình (#{f1_contacts[w['binh'].pk]}); #{f1_contacts[w['chau'].pk]}; "
        f"Phạm Quốc Dũng (#{f1_contacts[w['dung'].pk]}); và 1 người khác"
    )  # Châu lives in another commune: the officer sees her reference, not her name


def test_with_a_worker_the_pack_is_filed_by_the_worker_not_in_the_request(
    market_story, settings, django_capture_on_commit_callbacks
):
    from django_tasks_db.models import DBTaskResult

    settings.EPIQR_TRACING_FILE_AT_ONCE = 0
    settings.TASKS = {"default": {"BACKEND": "django_tasks_db.DatabaseBackend"}}
    with django_capture_on_commit_callbacks(execute=True):
        run = services.run_create(case=market_story["case"], policy_name="vn-window-60", degree=2)
    assert selectors.run_filing(run=run).filed == 0  # queued at the commit, not filed in the request
    [queued] = DBTaskResult.objects.all()
    assert queued.task_path == "epiqr.tracing.services.run_contacts_file_later"
    # What the worker process does with it (db_worker closes the test's connection when it is done).
    queued.task.call(*queued.args_kwargs["args"], **queued.args_kwargs["kwargs"])
    assert selectors.run_filing(run=run) is None
    assert Contact.objects.filter(run=run).count() == run.contact_count == 2 + F2_PEOPLE + 1


def test_the_api_refuses_an_export_too_long_for_one_request_and_says_where_to_get_it(
    market_story, make_user, commune, api_client, monkeypatch
):
    officer = make_user(commune=commune)
    run = services.run_create(case=market_story["case"], policy_name="vn-window-60", degree=2)
    client = api_client(officer)
    url = f"/api/v1/tracing/runs/{run.pk}/export?format=xlsx&purpose=gọi điện"
    first = client.get(url)
    assert first.status_code == 200 and first.getvalue()  # nine contacts in the officer's area
    monkeypatch.setattr(services, "EXPORT_IN_REQUEST_MAX", 8)
    refused = client.get(url)
    assert refused.status_code == 409 and refused.json()["code"] == "export_too_large"
    assert (
        "9" in refused.json()["detail"]
        and f"/api/v1/tracing/runs/{run.pk}/contacts" in refused.json()["detail"]
    )
    # The first export was read and audited; the refusal read nobody and leaves no event.
    assert AuditEvent.objects.filter(action="tracing.export").count() == 1
