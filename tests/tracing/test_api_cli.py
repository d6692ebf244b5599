"""The API and the CLI: same contacts; exports opened and read back; scope and bad input as 4xx."""

import csv
import io
import json

import pytest
from django.core.management import call_command
from openpyxl import load_workbook

from epiqr.core.models import AuditEvent
from epiqr.core.permissions import Role

pytestmark = pytest.mark.django_db


def contacts_key(contacts):
    return sorted((c["person_id"], c["degree"], c["risk"], len(c["exposures"])) for c in contacts)


def contacts_of(client, run_id: int) -> list[dict]:
    response = client.get(f"/api/v1/tracing/runs/{run_id}/contacts?page_size=200")
    assert response.status_code == 200, response.content
    return response.json()["items"]


def test_api_and_cli_give_the_same_contacts(cafe_story, make_user, api_client, commune):
    admin = make_user(Role.ADMIN)
    client = api_client(admin)
    response = client.post(
        "/api/v1/tracing/runs",
        {"case": cafe_story["case"].pk, "policy": "overlap-15", "degree": 2},
        content_type="application/json",
    )
    assert response.status_code == 201, response.content
    api = response.json()
    out = io.StringIO()
    call_command(
        "trace",
        "--case",
        str(cafe_story["case"].pk),
        "--policy",
        "overlap-15",
        "--degree",
        "2",
        "--json",
        stdout=out,
    )
    cli = json.loads(out.getvalue())
    api_contacts = contacts_of(client, api["id"])
    assert contacts_key(api_contacts) == contacts_key(cli["contacts"]) and len(api_contacts) == 3
    assert api["policy"] == cli["run"]["policy"] == "overlap-15"
    assert client.get(f"/api/v1/tracing/runs/{api['id']}").json() == api
    text = io.StringIO()
    call_command("trace", "--case", str(cafe_story["case"].pk), stdout=text)
    assert "Trần Thị Bình" in text.getvalue()


def test_with_a_worker_the_api_queues_an_f2_run_as_the_page_does(
    cafe_story, make_user, api_client, commune, settings, sent_messages, django_capture_on_commit_callbacks
):
    from django_tasks import task_backends

    from epiqr.core.events import deliver

    officer = make_user(commune=commune, email="xa@example.test")
    settings.TASKS = {"default": {"BACKEND": "django_tasks.backends.dummy.DummyBackend"}}
    backend = task_backends["default"]
    backend.clear()
    client = api_client(officer)
    case = cafe_story["case"]
    body = {"case": case.pk, "policy": "nope", "degree": 2}
    unknown = client.post("/api/v1/tracing/runs", body, content_type="application/json")
    assert unknown.status_code == 422 and backend.results == [], unknown.content
    with django_capture_on_commit_callbacks(execute=True):
        response = client.post(
            "/api/v1/tracing/runs", {**body, "policy": "overlap-15"}, content_type="application/json"
        )
    assert response.status_code == 202, response.content
    assert response.json()["case"] == case.pk and response.json()["degree"] == 2
    assert case.tracing_runs.count() == 0
    (queued,) = backend.results
    assert queued.kwargs["event"] == "run_queued" and queued.kwargs["payload"]["trigger"] == "api"
    deliver.call(**queued.kwargs)  # what the worker does
    run = case.tracing_runs.get()
    assert run.degree == 2 and run.trigger == "api" and run.ran_by == officer and run.contact_count == 3
    assert [m.recipient for m in sent_messages] == [officer.email]
    f1 = client.post(
        "/api/v1/tracing/runs", {**body, "degree": 1, "policy": None}, content_type="application/json"
    )
    assert f1.status_code == 201  # F1 takes milliseconds: always at once


def test_an_officer_of_another_commune_cannot_see_the_runs_contacts(
    cafe_story, make_user, api_client, commune, other_commune, geo
):
    owner = api_client(make_user(commune=commune))
    run_id = owner.post(
        "/api/v1/tracing/runs",
        {"case": cafe_story["case"].pk, "policy": "vn-window-60"},
        content_type="application/json",
    ).json()["id"]
    # Châu lives in the other commune
    assert {c["full_name"] for c in contacts_of(owner, run_id)} == {"Trần Thị Bình"}
    other = api_client(make_user(commune=other_commune))
    assert [c["full_name"] for c in contacts_of(other, run_id)] == ["Lê Minh Châu"]
    stranger_commune = geo.communes.order_by("code")[2]
    stranger = api_client(make_user(commune=stranger_commune))
    assert stranger.get(f"/api/v1/tracing/runs/{run_id}").status_code == 404
    assert stranger.get(f"/api/v1/tracing/runs/{run_id}/contacts").status_code == 404
    assert (
        stranger.post(
            "/api/v1/tracing/runs", {"case": cafe_story["case"].pk}, content_type="application/json"
        ).status_code
        == 404
    )
    province = api_client(make_user(Role.PROVINCE_OFFICER, province=geo))
    assert len(contacts_of(province, run_id)) == 2
    venue_owner = api_client(make_user(Role.VENUE_OWNER))
    assert venue_owner.get(f"/api/v1/tracing/runs/{run_id}").status_code == 403
    assert venue_owner.get(f"/api/v1/tracing/runs/{run_id}/contacts").status_code == 403


def test_bad_input_is_a_clear_4xx(cafe_story, make_user, api_client):
    client = api_client(make_user(Role.ADMIN))
    r = client.post(
        "/api/v1/tracing/runs",
        {"case": cafe_story["case"].pk, "policy": "nope"},
        content_type="application/json",
    )
    assert r.status_code == 422 and "nope" in r.json()["detail"]
    r = client.post(
        "/api/v1/tracing/runs", {"case": cafe_story["case"].pk, "degree": 3}, content_type="application/json"
    )
    assert r.status_code == 422 and r.json()["field"] == "degree"
    assert (
        client.post("/api/v1/tracing/runs", {"case": 999999}, content_type="application/json").status_code
        == 404
    )
    assert client.post("/api/v1/tracing/runs", "not json", content_type="application/json").status_code in (
        400,
        422,
    )


def test_exports_have_the_calling_columns_and_are_audited_with_their_purpose(
    cafe_story, make_user, api_client, commune
):
    officer = make_user(commune=commune)
    client = api_client(officer)
    run_id = client.post(
        "/api/v1/tracing/runs",
        {"case": cafe_story["case"].pk, "policy": "vn-window-60"},
        content_type="application/json",
    ).json()["id"]
    assert client.get(f"/api/v1/tracing/runs/{run_id}/export?format=xlsx").status_code == 422  # no purpose
    r = client.get(f"/api/v1/tracing/runs/{run_id}/export?format=xlsx&purpose=danh sách gọi điện")
    assert r.status_code == 200 and r["Content-Type"].startswith("application/vnd.openxmlformats")
    sheet = load_workbook(io.BytesIO(r.getvalue())).active
    rows = list(sheet.iter_rows(values_only=True))
    assert len(rows) == 2  # header + Bình; Châu lives in another commune
    header, binh = rows
    assert binh[0] == "Trần Thị Bình" and binh[1] == cafe_story["binh"].phone
    assert binh[3] == "12 Ngõ Huế" and binh[4] == "Cà phê Giảng" and binh[8] == "F1"
    assert binh[6].endswith("10:20") and binh[7].endswith("10:50")
    assert len(header) == 15 and not binh[13] and binh[14].startswith("#")  # an F1: reached through nobody
    r = client.get(f"/api/v1/tracing/runs/{run_id}/export?format=csv&purpose=báo cáo")
    table = list(csv.reader(io.StringIO(r.getvalue().decode("utf-8-sig"))))
    assert table[1][0] == "Trần Thị Bình" and len(table) == 2
    events = AuditEvent.objects.filter(action="tracing.export", target_id=str(run_id)).order_by("at")
    assert [(e.reason, e.row_count, e.actor_id) for e in events] == [
        ("danh sách gọi điện", 1, officer.pk),
        ("báo cáo", 1, officer.pk),
    ]


def test_cli_refuses_an_unknown_case_or_policy(cafe_story):
    from django.core.management.base import CommandError

    with pytest.raises(CommandError):
        call_command("trace", "--case", "999999")
    with pytest.raises(CommandError):
        call_command("trace", "--case", str(cafe_story["case"].pk), "--policy", "nope")


def test_cli_triage_counts_every_case_of_the_day_in_one_batch(cafe_story, visit, at, case_of):
    """The morning briefing: today's cases, traced together, the busiest first; the counts are those
    of tracing each case alone, and nothing is stored."""
    from epiqr.core.timeutil import local_today
    from epiqr.tracing.models import TracingRun
    from epiqr.tracing.services import tracing_compute

    visit(cafe_story["dung"], cafe_story["market"], at(8), at(8, 30))
    visit(cafe_story["ha"], cafe_story["market"], at(8, 10), at(8, 40))
    second = case_of(cafe_story["dung"])
    out = io.StringIO()
    call_command(
        "trace", "--confirmed-on", local_today().isoformat(), "--policy", "vn-window-60", "--json", stdout=out
    )
    got = json.loads(out.getvalue())
    want = []
    for case in (cafe_story["case"], second):
        contacts = tracing_compute(case=case, policy_name="vn-window-60")[1].contacts
        want.append((case.pk, len(contacts), sum(c.risk == "high" for c in contacts)))
    assert [(r["case"], r["contacts"], r["high_risk"]) for r in got["cases"]] == sorted(
        want, key=lambda w: (-w[2], -w[1], w[0])
    )
    assert got["policy"] == "vn-window-60" and TracingRun.objects.count() == 0
    text = io.StringIO()
    call_command("trace", "--confirmed-on", local_today().isoformat(), stdout=text)
    assert text.getvalue().startswith(f"2 cases confirmed on {local_today().isoformat()}")


def test_cli_triage_refuses_f2_and_a_bad_date(cafe_story):
    from django.core.management.base import CommandError

    with pytest.raises(CommandError, match="F1 only"):
        call_command("trace", "--confirmed-on", "2026-11-22", "--degree", "2")
    with pytest.raises(CommandError):
        call_command("trace", "--confirmed-on", "22/11/2026")
    with pytest.raises(CommandError):
        call_command("trace", "--case", "1", "--confirmed-on", "2026-11-22")


def test_api_triage_gives_the_pages_counts_and_refuses_bad_input(cafe_story, make_user, api_client, commune):
    from epiqr.core.permissions import Role
    from epiqr.core.timeutil import local_today

    client = api_client(make_user(commune=commune))
    ok = client.get("/api/v1/tracing/triage", {"day": local_today().isoformat(), "policy": "vn-window-60"})
    assert ok.status_code == 200, ok.content
    body = ok.json()
    assert body["policy"] == "vn-window-60" and body["day"] == local_today().isoformat()
    assert [(c["case"], c["contacts"], c["high_risk"], c["last_run"]) for c in body["cases"]] == [
        (cafe_story["case"].pk, 2, 1, None)
    ]
    assert client.get("/api/v1/tracing/triage", {"day": "2026-02-31"}).status_code == 422
    unknown = client.get("/api/v1/tracing/triage", {"policy": "nope"})
    assert unknown.status_code == 422 and "nope" in unknown.json()["detail"]
    assert (
        api_client(make_user(Role.SAMPLER, commune=commune)).get("/api/v1/tracing/triage").status_code == 403
    )
