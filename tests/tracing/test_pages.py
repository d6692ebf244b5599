"""The officer's pages: run page, follow-up, notifications, clusters; and the public feed and self-check."""

import pytest
from django.test import Client

from epiqr.core.permissions import Role
from epiqr.tracing import services
from epiqr.tracing.models import FollowUp
from tests.factories import PASSWORD

pytestmark = pytest.mark.django_db


def login(user):
    client = Client()
    assert client.login(username=user.username, password=PASSWORD)
    return client


@pytest.fixture
def officer(make_user, commune):
    return make_user(commune=commune)


def test_run_page_shows_timeline_groups_and_filters(cafe_story, officer):
    client = login(officer)
    response = client.post(
        f"/tracing/cases/{cafe_story['case'].pk}/run/", {"policy": "overlap-15", "degree": "2"}
    )
    assert response.status_code == 302
    page = client.get(response["Location"])
    html = page.content.decode()
    assert page.status_code == 200
    assert "Cà phê Giảng" in html and "Chợ Hôm" in html  # the F0's visit and Bình's market visit (F2 source)
    # Bình (F1) and Hà (F2) live in the officer's commune; Châu (F2) lives in another one.
    assert "Trần Thị Bình" in html and "Hoàng Thu Hà" in html and "Lê Minh Châu" not in html
    f1_only = client.get(response["Location"] + "?degree=1").content.decode()
    assert "Trần Thị Bình" in f1_only and "Hoàng Thu Hà" not in f1_only
    f2_only = client.get(response["Location"] + "?degree=2").content.decode()
    # Bình is no row of the F2 list, only named as the F1 through whom Hà was reached
    assert "<strong>Hoàng Thu Hà</strong>" in f2_only and "<strong>Trần Thị Bình</strong>" not in f2_only
    low_risk = client.get(response["Location"] + "?risk=low").content.decode()
    # under overlap-15 every contact is high risk: the low-risk filter leaves nobody
    assert "Trần Thị Bình" not in low_risk and "Hoàng Thu Hà" not in low_risk
    assert "Không có người tiếp xúc phù hợp." in low_risk


def test_follow_up_through_htmx_and_a_positive_contact_becomes_a_case(cafe_story, officer):
    run = services.run_create(case=cafe_story["case"], policy_name="vn-window-60")
    binh = run.contacts.get(person=cafe_story["binh"])
    client = login(officer)
    r = client.post(f"/tracing/contacts/{binh.pk}/status/", {"status": "negative"}, HTTP_HX_REQUEST="true")
    assert r.status_code == 409 and f'id="status-{binh.pk}"' in r.content.decode()
    binh.refresh_from_db()
    assert binh.status == FollowUp.TO_CALL
    for step in ("reached", "tested"):
        r = client.post(f"/tracing/contacts/{binh.pk}/status/", {"status": step}, HTTP_HX_REQUEST="true")
        assert r.status_code == 200
    binh.refresh_from_db()
    assert binh.status == FollowUp.TESTED
    r = client.post(f"/tracing/contacts/{binh.pk}/case/")
    binh.refresh_from_db()
    assert binh.status == FollowUp.POSITIVE and binh.new_case is not None
    assert r["Location"] == f"/cases/{binh.new_case.pk}/"


def test_an_officer_of_another_commune_cannot_touch_the_contact(cafe_story, make_user, geo):
    run = services.run_create(case=cafe_story["case"], policy_name="vn-window-60")
    binh = run.contacts.get(person=cafe_story["binh"])
    outsider = login(make_user(commune=geo.communes.order_by("code")[2]))
    assert outsider.post(f"/tracing/contacts/{binh.pk}/status/", {"status": "reached"}).status_code == 404
    assert outsider.get(f"/tracing/runs/{run.pk}/").status_code == 404
    binh.refresh_from_db()
    assert binh.status == FollowUp.TO_CALL


def test_notifying_contacts_uses_a_template_per_degree_and_the_outbox_shows_failures(
    cafe_story, make_user, sent_messages, _fake_notify
):
    admin = make_user(Role.ADMIN)
    run = services.run_create(case=cafe_story["case"], policy_name="overlap-15", degree=2)
    _fake_notify.failing.add(cafe_story["ha"].phone)
    counts = services.run_notify(run=run, actor=admin, channel="sms")
    assert counts == {"sent": 2, "failed": 1, "already": 0, "no_address": 0}
    by_phone = {m.recipient: m for m in sent_messages}
    assert "F1" in by_phone[cafe_story["binh"].phone].subject
    assert "Cà phê Giảng" in by_phone[cafe_story["binh"].phone].body
    assert "F2" in by_phone[cafe_story["chau"].phone].subject
    page = login(admin).get("/notify/outbox/?status=failed").content.decode()
    assert cafe_story["ha"].phone in page and cafe_story["binh"].phone not in page
    email = services.run_notify(run=run, actor=admin, channel="email")
    assert email["no_address"] == 2  # only Bình has an email address, and was told by SMS already
    assert email["sent"] == 0 and email["already"] == 1


def test_outbox_of_a_commune_officer_lists_only_messages_about_their_contacts(
    cafe_story, make_user, other_commune
):
    admin = make_user(Role.ADMIN)
    run = services.run_create(case=cafe_story["case"], policy_name="vn-window-60")
    services.run_notify(run=run, actor=admin, channel="sms")
    html = login(make_user(commune=other_commune)).get("/notify/outbox/").content.decode()
    assert cafe_story["chau"].phone in html and cafe_story["binh"].phone not in html


def test_clusters_page_flags_a_venue_with_two_f0_visits(cafe_story, make_user, case_of, geo, other_commune):
    province = make_user(Role.PROVINCE_OFFICER, province=geo)
    case_of(cafe_story["dung"])  # Dũng, at the café at 13:00, is confirmed too
    services.run_create(case=cafe_story["case"], policy_name="vn-window-60")
    html = login(province).get("/tracing/clusters/").content.decode()
    assert "Cà phê Giảng" in html and "2 F0" in html and "Chợ Hôm" not in html
    # The commune officer of the two cases sees the cluster too (README: /tracing/clusters/ is theirs) and
    # finds it in the menu; an officer of another commune sees no cluster made of cases they cannot see.
    commune_officer = login(make_user(commune=cafe_story["cafe"].commune))
    html = commune_officer.get("/tracing/clusters/").content.decode()
    assert "Cà phê Giảng" in html and "2 F0" in html and 'href="/tracing/clusters/"' in html
    elsewhere = login(make_user(commune=other_commune)).get("/tracing/clusters/")
    assert elsewhere.status_code == 200 and "Cà phê Giảng" not in elsewhere.content.decode()


def test_risky_venue_feed_is_public_and_has_no_personal_data(cafe_story, case_of):
    case_of(cafe_story["dung"])
    response = Client().get("/tracing/feed.json")
    assert response.status_code == 200
    entries = response.json()["entries"]
    assert {e["venue_code"] for e in entries} == {cafe_story["cafe"].code}
    assert set(entries[0]) == {"venue_code", "start", "end", "risk_level"}
    body = response.content.decode()
    for person in ("f0", "binh", "dung"):
        assert cafe_story[person].full_name not in body and cafe_story[person].phone not in body
    assert Client().get("/api/v1/tracing/feed").json()["entries"] == entries


def test_self_check_shows_a_citizen_their_risky_visit(cafe_story):
    from tests.factories import give_phone

    client = Client()
    give_phone(client, cafe_story["binh"])
    html = client.get("/tracing/self-check/").content.decode()
    assert "Trần Thị Bình" in html and "Cà phê Giảng" in html and "Chợ Hôm" in html
    assert html.count("pill bad") == 1  # the café visit overlapped the F0, the market visit did not
    assert "Nguyễn Văn An" not in html
    empty = Client().get("/tracing/self-check/")
    assert empty.status_code == 200 and "Trần Thị Bình" not in empty.content.decode()


def test_self_check_of_a_person_only_typed_on_the_phone_shows_only_the_phones_own_visits(cafe_story):
    from tests.factories import give_phone

    client = Client()
    give_phone(client, linked=[cafe_story["binh"]])  # typed Bình's details, never proved it
    html = client.get("/tracing/self-check/").content.decode()
    assert "Cà phê Giảng" not in html and "Chợ Hôm" not in html and "pill bad" not in html


def test_a_rerun_marks_the_contacts_it_found_new(cafe_story, officer, visit, at):
    services.run_create(case=cafe_story["case"], policy_name="vn-window-60")
    visit(cafe_story["dung"], cafe_story["cafe"], at(10, 50), at(11, 20))
    rerun = services.run_create(case=cafe_story["case"], policy_name="vn-window-60")
    html = login(officer).get(f"/tracing/runs/{rerun.pk}/").content.decode()
    row_of = {
        name: html.split(name, 1)[1].split("</td>", 1)[0] for name in ("Phạm Quốc Dũng", "Trần Thị Bình")
    }
    assert "pill warn" in row_of["Phạm Quốc Dũng"] and "pill warn" not in row_of["Trần Thị Bình"]


def test_triage_lists_the_days_cases_in_the_officers_area_busiest_first(
    cafe_story, officer, make_user, other_commune, visit, at, case_of
):
    """Two cases confirmed today in the officer's commune, one in another commune: the officer sees
    their two with the counts of tracing each alone, the case with a run links to it, the other offers
    the button; the other commune's officer sees only theirs. Nothing is stored by looking."""
    from epiqr.core.timeutil import local_today
    from epiqr.tracing.models import TracingRun
    from tests.factories import PersonFactory

    visit(cafe_story["dung"], cafe_story["market"], at(8), at(8, 30))
    visit(cafe_story["ha"], cafe_story["market"], at(8, 10), at(8, 40))
    second = case_of(cafe_story["dung"])
    elsewhere = case_of(PersonFactory(full_name="Đỗ Văn Xa", commune=other_commune))
    run = services.run_create(case=cafe_story["case"], policy_name="vn-window-60")
    runs_before = TracingRun.objects.count()
    page = login(officer).get(
        "/tracing/triage/", {"day": local_today().isoformat(), "policy": "vn-window-60"}
    )
    html = page.content.decode()
    assert page.status_code == 200 and TracingRun.objects.count() == runs_before
    assert "Nguyễn Văn An" in html and "Phạm Quốc Dũng" in html and "Đỗ Văn Xa" not in html
    f0_contacts = len(
        services.tracing_compute(case=cafe_story["case"], policy_name="vn-window-60")[1].contacts
    )
    # An: 2 contacts, 1 high risk (Bình); Dũng: 1 contact, 1 high risk (Hà): equal risk, An has more.
    assert f0_contacts == 2 and html.index("Nguyễn Văn An") < html.index("Phạm Quốc Dũng")
    assert f"/tracing/runs/{run.pk}/" in html and f"/tracing/cases/{second.pk}/run/" in html
    other = login(make_user(commune=other_commune)).get("/tracing/triage/").content.decode()
    assert "Đỗ Văn Xa" in other and "Nguyễn Văn An" not in other and f"#{elsewhere.pk}" in other


def test_triage_answers_bad_input_with_a_message(officer, make_user, commune):
    client = login(officer)
    bad_day = client.get("/tracing/triage/", {"day": "31/02/2026"})
    assert bad_day.status_code == 200 and "YYYY-MM-DD" in bad_day.content.decode()
    bad_policy = client.get("/tracing/triage/", {"policy": "nope"})
    assert bad_policy.status_code == 200 and "nope" in bad_policy.content.decode()
    sampler = login(make_user(Role.SAMPLER, commune=commune))
    assert sampler.get("/tracing/triage/").status_code == 403


def test_with_a_worker_an_f2_run_is_queued_and_the_officer_told_when_ready(
    cafe_story, make_user, commune, settings, sent_messages, django_capture_on_commit_callbacks
):
    """At national density an F2 run can take longer than a page should: with a worker the page queues
    it and returns at once; the worker stores the run and messages the officer with its link."""
    from django_tasks import task_backends

    from epiqr.core.events import deliver

    officer = make_user(commune=commune, email="xa@example.test")
    settings.TASKS = {"default": {"BACKEND": "django_tasks.backends.dummy.DummyBackend"}}
    backend = task_backends["default"]
    backend.clear()
    client = login(officer)
    case = cafe_story["case"]
    unknown = client.post(f"/tracing/cases/{case.pk}/run/", {"policy": "nope", "degree": "2"})
    assert unknown.status_code == 302 and backend.results == []
    with django_capture_on_commit_callbacks(execute=True):
        response = client.post(f"/tracing/cases/{case.pk}/run/", {"policy": "overlap-15", "degree": "2"})
    assert response["Location"] == f"/cases/{case.pk}/" and case.tracing_runs.count() == 0
    (queued,) = backend.results
    assert queued.kwargs == {
        "event": "run_queued",
        "handler": "epiqr.tracing.flows.run_in_background",
        "payload": {
            "case_id": case.pk,
            "policy_name": "overlap-15",
            "degree": 2,
            "actor_id": officer.pk,
            "trigger": "manual",
        },
    }
    assert f"Đang truy vết F2 cho ca #{case.pk}" in client.get(response["Location"]).content.decode()
    deliver.call(**queued.kwargs)  # what the worker does
    run = case.tracing_runs.get()
    assert run.degree == 2 and run.ran_by == officer and run.contact_count == 3 and run.trigger == "manual"
    (ready,) = [m for m in sent_messages if m.recipient == officer.email]
    assert f"/tracing/runs/{run.pk}/" in ready.body and "3" in ready.body
    f1 = client.post(f"/tracing/cases/{case.pk}/run/", {"policy": "overlap-15", "degree": "1"})
    assert f1["Location"].startswith("/tracing/runs/")  # F1 takes milliseconds: always at once
