"""Tracing runs through the service: stored contacts, policy snapshot, re-runs, audit, follow-up."""

import pytest

from epiqr.core.errors import Conflict, Invalid
from epiqr.core.models import AuditEvent
from epiqr.tracing import selectors, services
from epiqr.tracing.models import Contact, FollowUp, RunStatus, StatusChange, TracingPolicy
from epiqr.tracing.selectors import policy_get

pytestmark = pytest.mark.django_db


def names(run):
    return {c.person.full_name: c.degree for c in run.contacts.select_related("person")}


def test_an_and_binh_at_the_same_cafe_twenty_minutes_apart(cafe_story, make_user, commune):
    officer = make_user(commune=commune)
    run = services.run_create(case=cafe_story["case"], policy_name="vn-window-60", actor=officer)
    assert names(run) == {"Trần Thị Bình": 1, "Lê Minh Châu": 1}
    binh = run.contacts.get(person=cafe_story["binh"])
    (exposure,) = selectors.contacts_with_exposures([binh])[0].exposures
    assert exposure.venue == cafe_story["cafe"] and exposure.overlap_minutes == 20
    assert exposure.source_person_id == cafe_story["f0"].pk and binh.risk == "high"
    assert binh.commune == cafe_story["binh"].commune and binh.status == FollowUp.TO_CALL
    assert run.policy_snapshot["name"] == "vn-window-60" and run.policy_snapshot["window_minutes"] == 60
    assert [v["venue_id"] for v in run.index_visits] == [cafe_story["cafe"].pk]
    event = AuditEvent.objects.get(action="tracing.run", target_id=str(run.pk))
    assert event.actor == officer and event.row_count == 2


def test_f2_on_request_finds_ha_through_binh(cafe_story):
    """Under overlap-15 Châu shared only 10 minutes with An, but 20 with Bình after Bình's exposure."""
    run = services.run_create(case=cafe_story["case"], policy_name="overlap-15", degree=2)
    assert names(run) == {"Trần Thị Bình": 1, "Lê Minh Châu": 2, "Hoàng Thu Hà": 2}
    assert names(services.run_create(case=cafe_story["case"], policy_name="overlap-15")) == {
        "Trần Thị Bình": 1
    }


def test_the_run_keeps_the_policy_it_used_even_after_the_policy_changes(cafe_story):
    run = services.run_create(case=cafe_story["case"], policy_name="vn-window-60")
    row = TracingPolicy.objects.get(name="vn-window-60")
    TracingPolicy.objects.create(
        name="vn-window-60",
        version=2,
        effective_from=row.effective_from,
        rule="window",
        params={**row.params, "window_minutes": 5},
    )
    rerun = services.run_create(case=cafe_story["case"], policy_name="vn-window-60")
    run.refresh_from_db()
    assert run.policy_snapshot["window_minutes"] == 60 and rerun.policy_snapshot["version"] == 2
    assert names(rerun) == {}
    assert rerun.changes["removed"] == sorted([cafe_story["binh"].pk, cafe_story["chau"].pk])


def test_policy_is_chosen_by_date_or_by_name():
    from datetime import date

    assert policy_get(on=date(2021, 6, 1)).name == "overlap-15"
    assert policy_get(on=date(2021, 10, 1)).name == "vn-window-60"
    assert policy_get(name="cwa-weighted").rule == "cwa"
    with pytest.raises(Invalid):
        policy_get(name="no-such-rule")


def test_a_policy_is_read_once_a_while_and_a_change_in_this_process_is_seen_at_once(
    django_assert_num_queries, monkeypatch
):
    """Every trace looks its policy up: each process keeps it POLICY_CACHE_SECONDS. A new version or an
    edit saved here is used by the next trace; another worker's change shows within the bound."""
    from datetime import date

    from epiqr.tracing import policies

    first = policy_get(name="vn-window-60")
    by_day = policy_get(on=date(2021, 10, 1))
    with django_assert_num_queries(0):
        assert policy_get(name="vn-window-60") is first
        assert policy_get(on=date(2021, 10, 1)) is by_day
    newer = TracingPolicy.objects.create(
        name="vn-window-60",
        version=first.version + 1,
        effective_from=first.effective_from,
        rule="window",
        params={**first.params, "window_minutes": 5},
    )
    assert policy_get(name="vn-window-60").pk == newer.pk
    newer.params = {**newer.params, "window_minutes": 10}
    newer.save()
    assert policy_get(name="vn-window-60").params["window_minutes"] == 10
    newer.delete()
    assert policy_get(name="vn-window-60").pk == first.pk
    # Another worker's edit (no signal here): seen once the cached entry has expired.
    TracingPolicy.objects.filter(pk=first.pk).update(params={**first.params, "window_minutes": 30})
    assert policy_get(name="vn-window-60").params["window_minutes"] == 60
    later = policies._clock() + policies.POLICY_CACHE_SECONDS + 1
    monkeypatch.setattr(policies, "_clock", lambda: later)
    assert policy_get(name="vn-window-60").params["window_minutes"] == 30


def test_the_engine_policy_of_a_row_is_made_once_and_again_when_the_row_changes():
    """Every trace turns its (cached) row into the engine's policy: once per row while the row is as it
    was; a row edited in memory, in its parameters or its fields, gives the policy of what it now says."""
    from epiqr.tracing.policies import policy_engine

    row = policy_get(name="vn-window-60")
    first = policy_engine(row)
    assert policy_engine(row) is first and first.window_minutes == 60
    row.params["window_minutes"] = 15  # edited in place: the same dict object
    assert policy_engine(row).window_minutes == 15
    row.params = {**row.params, "window_minutes": 45}
    assert policy_engine(row).window_minutes == 45
    row.version += 1
    assert policy_engine(row).version == row.version


def test_rerun_with_new_check_ins_shows_who_is_new_and_keeps_follow_up(cafe_story, visit, at):
    first = services.run_create(case=cafe_story["case"], policy_name="vn-window-60")
    binh = first.contacts.get(person=cafe_story["binh"])
    services.contact_transition(contact=binh, to=FollowUp.REACHED, actor=None)
    visit(cafe_story["dung"], cafe_story["cafe"], at(10, 50), at(11, 20))  # a late upload from a scanner
    second = services.run_create(case=cafe_story["case"], policy_name="vn-window-60")
    assert second.previous == first
    assert second.changes["added"] == [cafe_story["dung"].pk] and second.changes["removed"] == []
    assert second.contacts.get(person=cafe_story["binh"]).status == FollowUp.REACHED


def test_people_already_cases_are_skipped(cafe_story, case_of):
    case_of(cafe_story["binh"])
    run = services.run_create(case=cafe_story["case"], policy_name="vn-window-60")
    assert names(run) == {"Lê Minh Châu": 1}
    assert run.skipped_cases == [cafe_story["binh"].pk]


def test_follow_up_state_machine_refuses_skipping_steps_and_writes_history(cafe_story, make_user, commune):
    officer = make_user(commune=commune)
    run = services.run_create(case=cafe_story["case"], policy_name="vn-window-60")
    binh = run.contacts.get(person=cafe_story["binh"])
    with pytest.raises(Conflict):
        services.contact_transition(contact=binh, to=FollowUp.NEGATIVE, actor=officer)
    with pytest.raises(Invalid):
        services.contact_transition(contact=binh, to="asleep", actor=officer)
    for step in (FollowUp.UNREACHABLE, FollowUp.REACHED, FollowUp.QUARANTINED, FollowUp.TESTED):
        binh = services.contact_transition(contact=binh, to=step, actor=officer, note="gọi lúc 9h")
    history = list(StatusChange.objects.filter(contact=binh).values_list("from_status", "to_status"))
    assert history == [
        ("to_call", "unreachable"),
        ("unreachable", "reached"),
        ("reached", "quarantined"),
        ("quarantined", "tested"),
    ]
    case = services.contact_open_case(contact=binh, actor=officer)
    binh.refresh_from_db()
    assert binh.status == FollowUp.POSITIVE and binh.new_case == case and case.source == "contact"
    assert case.person == cafe_story["binh"]
    with pytest.raises(Conflict):
        services.contact_open_case(contact=binh, actor=officer)


def test_a_contact_whose_new_case_is_deleted_stays_a_contact_without_it(cafe_story):
    """The contact's link to the case it became has no database constraint (tracing.models.Contact): the
    ORM still empties it when that case is deleted, and a re-run lists the person again without one."""
    run = services.run_create(case=cafe_story["case"], policy_name="vn-window-60")
    binh = run.contacts.get(person=cafe_story["binh"])
    for step in (FollowUp.REACHED, FollowUp.TESTED):
        binh = services.contact_transition(contact=binh, to=step, actor=None)
    case = services.contact_open_case(contact=binh, actor=None)
    assert (
        services.run_create(case=cafe_story["case"], policy_name="vn-window-60")
        .contacts.filter(person=cafe_story["binh"])
        .count()
        == 0
    )  # a case now, not a contact
    case.delete()
    assert {c.new_case_id for c in Contact.objects.filter(person=cafe_story["binh"])} == {None}
    assert (
        services.run_create(case=cafe_story["case"], policy_name="vn-window-60")
        .contacts.get(person=cafe_story["binh"])
        .new_case_id
        is None
    )


def test_a_contact_not_yet_tested_cannot_become_a_case(cafe_story):
    run = services.run_create(case=cafe_story["case"], policy_name="vn-window-60")
    with pytest.raises(Conflict):
        services.contact_open_case(contact=run.contacts.first(), actor=None)


def test_a_lab_confirmed_case_is_traced_for_review_and_the_officer_told(
    world, visit, at, make_user, commune, sent_messages, django_capture_on_commit_callbacks
):
    from epiqr.cases.services import case_open
    from epiqr.core.timeutil import local_today

    officer = make_user(commune=commune, email="tram.yte@example.test")
    make_user(commune=world["chau"].commune, email="other@example.test")  # another commune: not told
    visit(world["f0"], world["cafe"], at(10), at(10, 40))
    visit(world["binh"], world["cafe"], at(10, 20), at(10, 50))
    with django_capture_on_commit_callbacks(execute=True):  # tracing reacts once the case is committed
        case = case_open(
            person=world["f0"], confirmed_on=local_today(), sample_on=local_today(), source="lab"
        )
        assert case.tracing_runs.count() == 0
    run = case.tracing_runs.get()
    assert run.status == RunStatus.REVIEW and run.trigger == "lab" and names(run) == {"Trần Thị Bình": 1}
    assert [m.recipient for m in sent_messages] == [officer.email]
    assert f"/tracing/runs/{run.pk}/" in sent_messages[0].body and "F0" in sent_messages[0].subject


def test_a_manual_case_is_not_traced_automatically(
    world, case_of, sent_messages, django_capture_on_commit_callbacks
):
    with django_capture_on_commit_callbacks(execute=True) as callbacks:
        case = case_of(world["f0"])
    assert callbacks, "case_opened was delivered"
    assert case.tracing_runs.count() == 0 and sent_messages == []


def test_batch_of_cases_gives_the_same_contacts_as_one_by_one(cafe_story, visit, at, case_of):
    visit(cafe_story["dung"], cafe_story["market"], at(8), at(8, 30))
    visit(cafe_story["ha"], cafe_story["market"], at(8, 10), at(8, 40))
    other = case_of(cafe_story["dung"])
    batch = services.tracing_compute_batch(cases=[cafe_story["case"], other], policy_name="vn-window-60")
    for case in (cafe_story["case"], other):
        single = services.tracing_compute(case=case, policy_name="vn-window-60")[1]
        assert batch.contacts_of(case.person_id) == single.contacts and single.contacts
    assert {c.person_id for c in batch.contacts_of(other.person_id)} == {cafe_story["ha"].pk}
    assert batch.counts()[other.person_id] == (1, 1)


def test_with_a_worker_backend_the_lab_reaction_is_queued_only_after_commit(
    world, settings, django_capture_on_commit_callbacks
):
    from django_tasks import task_backends

    from epiqr.cases.services import case_open
    from epiqr.core.timeutil import local_today

    settings.TASKS = {"default": {"BACKEND": "django_tasks.backends.dummy.DummyBackend"}}
    backend = task_backends["default"]
    backend.clear()
    with django_capture_on_commit_callbacks(execute=False) as callbacks:
        case = case_open(person=world["f0"], confirmed_on=local_today(), source="lab")
        assert backend.results == []
    assert callbacks  # nothing is queued before the commit; each reacting domain's handler at it
    for callback in callbacks:
        callback()
    (queued,) = [r for r in backend.results if r.kwargs["handler"].startswith("epiqr.tracing.")]
    assert queued.kwargs == {
        "event": "case_opened",
        "handler": "epiqr.tracing.flows.trace_lab_case_for_review",
        "payload": {"case_id": case.pk, "source": "lab", "actor_id": None},
    }
    assert case.tracing_runs.count() == 0


def test_a_deleted_case_takes_its_runs_contacts_and_their_history_along(
    cafe_story, monkeypatch, settings, django_capture_on_commit_callbacks
):
    """The contacts go before their run (services.run_contacts_delete): those other rows point at (their
    follow-up history, a quarantine) through the ORM in chunks (an F2 run can hold more contacts than one
    statement may name; chunks of 2 here, for 3), which takes those rows along; the rest in one
    statement."""
    from epiqr.quarantine.models import Quarantine
    from epiqr.tracing.models import Contact, TracingRun

    monkeypatch.setattr(services, "CONTACT_DELETE_CHUNK", 2)
    settings.EPIQR_QUARANTINE_POLICY = "vn-2021-07-cv5599"  # a quarantine placed for "quarantined"
    run = services.run_create(case=cafe_story["case"], policy_name="vn-window-60", degree=2)
    other = services.run_create(case=cafe_story["case"], policy_name="vn-window-60", degree=1)
    assert run.contacts.count() == 3
    followed = list(run.contacts.all())
    for contact in followed:
        services.contact_transition(contact=contact, to=FollowUp.REACHED, actor=None)
    binh = run.contacts.get(person=cafe_story["binh"])
    with django_capture_on_commit_callbacks(execute=True):  # the quarantine is placed by the reaction
        services.contact_transition(contact=binh, to=FollowUp.QUARANTINED, actor=None)
    assert Quarantine.objects.filter(contact_id=binh.pk).exists()
    TracingRun.objects.filter(pk=run.pk).delete()
    assert not Contact.objects.filter(run_id=run.pk).exists()
    assert not StatusChange.objects.filter(contact_id__in=[c.pk for c in followed]).exists()
    assert not Quarantine.objects.filter(contact_id=binh.pk).exists()
    assert other.contacts.count() == 2  # the other run of the case is untouched
    cafe_story["case"].delete()
    assert not Contact.objects.exists() and not TracingRun.objects.exists()


@pytest.mark.parametrize("part_min", [1, 2])
def test_a_batch_read_in_parts_gives_what_one_read_gives(
    cafe_story, visit, at, case_of, world, monkeypatch, part_min
):
    """A large batch is read in parts, sent together on PostgreSQL (pipeline mode), and each part is
    traced while the next is read (store.pairs_around_each). Parts of one or two F0s here stand for the
    250 a batch of a thousand gets: the batch is what one read of every F0 gives, and the F0s of the
    other parts (cases) are neither contacts nor listed as cases left out."""
    from epiqr.tracing import store
    from tests.tracing.test_batch_oracle import same_result

    visit(cafe_story["dung"], cafe_story["market"], at(8), at(8, 30))
    visit(cafe_story["ha"], cafe_story["market"], at(8, 10), at(8, 40))
    visit(world["binh"], cafe_story["market"], at(8, 20), at(9))
    cases = [cafe_story["case"], case_of(cafe_story["dung"]), case_of(world["chau"])]
    whole = services.tracing_compute_batch(cases=cases, policy_name="vn-window-60")
    assert whole.contact_count and not whole.skipped & {c.person_id for c in cases}

    seen = []
    real = store.CheckinStore.pairs_around_each

    def counted(self, periods, before, after, use):
        found = real(self, periods, before, after, use)
        seen.append(len(found))
        return found

    monkeypatch.setattr(store, "PART_MIN", part_min)
    monkeypatch.setattr(store, "PARTS", 3)
    monkeypatch.setattr(store.CheckinStore, "pairs_around_each", counted)
    parted = services.tracing_compute_batch(cases=cases, policy_name="vn-window-60")
    assert seen == [3 if part_min == 1 else 2]
    same_result(parted, whole)
    for case in cases:
        assert parted.contacts_of(case.person_id) == whole.contacts_of(case.person_id)
