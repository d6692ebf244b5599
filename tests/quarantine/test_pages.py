"""The commune team's pages and API, and the contact's own diary page (behind the identity proof)."""

import pytest
from django.test import Client

from epiqr.quarantine.models import Quarantine, Status
from tests.factories import PersonFactory, give_phone


@pytest.fixture
def officer_client(qworld):
    c = Client()
    c.force_login(qworld["officer"])
    return c


@pytest.fixture
def q5599(qworld, settings):
    from epiqr.quarantine import services

    settings.EPIQR_QUARANTINE_POLICY = "vn-2021-07-cv5599"
    return services.quarantine_place(contact_id=qworld["chi"].pk, actor=qworld["officer"])


def test_the_officer_sees_the_list_and_the_policy_explained_in_words(officer_client, q5599):
    page = officer_client.get("/quarantine/")
    assert page.status_code == 200 and "Lê Minh Chi" in page.content.decode()
    detail = officer_client.get(f"/quarantine/{q5599.pk}/").content.decode()
    assert "5599/BYT-MT" in detail  # the policy cited
    assert "14" in detail and "Lê Minh Chi" in detail


def test_another_commune_officer_gets_a_404_and_an_empty_list(qworld, q5599):
    c = Client()
    c.force_login(qworld["elsewhere"])
    assert c.get(f"/quarantine/{q5599.pk}/").status_code == 404
    assert "Lê Minh Chi" not in c.get("/quarantine/").content.decode()
    assert c.post(f"/quarantine/{q5599.pk}/act/", {"action": "end"}).status_code == 404
    assert Quarantine.objects.get(pk=q5599.pk).status == Status.ACTIVE


def test_a_call_with_the_days_diary_and_the_call_log(officer_client, q5599):
    r = officer_client.post(
        f"/quarantine/{q5599.pk}/act/",
        {"action": "call", "outcome": "reached", "note": "khỏe", "diary": "1", "d-temperature": "36,9"},
    )
    assert r.status_code == 302
    assert q5599.calls.count() == 1 and str(q5599.diary.get().temperature) == "36.9"
    log = officer_client.get("/quarantine/calls/").content.decode()
    assert "Lê Minh Chi" in log and "khỏe" in log


def test_a_refused_call_keeps_what_was_typed(officer_client, q5599):
    r = officer_client.post(
        f"/quarantine/{q5599.pk}/act/",
        {
            "action": "call",
            "outcome": "reached",
            "note": "gọi lại chiều",
            "diary": "1",
            "d-temperature": "99",
        },
    )
    assert r.status_code == 422
    body = r.content.decode()
    assert "gọi lại chiều" in body and 'value="99"' in body
    assert q5599.calls.count() == 0  # the call and its diary are one write


def test_exports_go_through_the_shared_writer(officer_client, q5599):
    r = officer_client.get("/quarantine/?format=csv")
    assert r.status_code == 200 and r["Content-Type"].startswith("text/csv")
    text = b"".join(r.streaming_content).decode("utf-8-sig")
    assert "Lê Minh Chi" in text
    assert officer_client.get("/quarantine/calls/?format=xlsx").status_code == 200


def test_the_api_lists_and_logs_a_call_with_a_diary(qworld, q5599, api_client):
    api = api_client(qworld["officer"])
    body = api.get("/api/v1/quarantine/?todo=no_diary").json()
    assert [i["id"] for i in body["items"]] == [q5599.pk]
    r = api.post(
        f"/api/v1/quarantine/{q5599.pk}/calls",
        {"outcome": "reached", "symptoms": ["cough"], "temperature": "37.9"},
        content_type="application/json",
    )
    assert r.status_code == 201, r.content
    detail = r.json()
    today = [d for d in detail["days"] if d["symptoms"] is not None]
    assert today and today[0]["symptoms"] == ["fever", "cough"]
    assert api.get("/api/v1/quarantine/?todo=no_diary").json()["items"] == []
    assert [i["id"] for i in api.get("/api/v1/quarantine/?todo=symptoms").json()["items"]] == [q5599.pk]
    other = api_client(qworld["elsewhere"])
    assert other.get(f"/api/v1/quarantine/{q5599.pk}").status_code == 404


def test_the_contact_fills_the_diary_on_their_phone_only_when_proved(qworld, q5599):
    phone = Client()
    give_phone(phone, qworld["chi"].person)
    page = phone.get("/quarantine/diary/")
    assert page.status_code == 200 and "5599/BYT-MT" in page.content.decode()
    r = phone.post("/quarantine/diary/", {"quarantine": q5599.pk, "symptoms": ["cough"], "temperature": "37"})
    assert r.status_code == 302
    entry = q5599.diary.get()
    assert entry.source == "self" and entry.symptoms == ["cough"]
    # A phone that proved someone else cannot write into this diary, nor see it.
    stranger = Client()
    give_phone(stranger, PersonFactory(full_name="Kẻ Lạ"))
    page = stranger.get("/quarantine/diary/").content.decode()
    assert "Lê Minh Chi" not in page and "5599" not in page
    r = stranger.post("/quarantine/diary/", {"quarantine": q5599.pk, "symptoms": ["fever"]})
    assert r.status_code == 422 and q5599.diary.count() == 1
    # A phone that proved nobody is sent to the proof.
    assert Client().get("/quarantine/diary/").status_code == 302


def test_the_case_page_shows_the_chain_of_transmission(
    qworld, q5599, officer_client, django_capture_on_commit_callbacks
):
    from epiqr.quarantine import services

    with django_capture_on_commit_callbacks(execute=True):
        case = services.quarantine_open_case(quarantine=q5599, actor=qworld["officer"])
    page = officer_client.get(f"/cases/{case.pk}/").content.decode()
    assert 'id="transmission-chain"' in page and f"F0 #{qworld['case'].pk}" in page
    source_page = officer_client.get(f"/cases/{qworld['case'].pk}/").content.decode()
    assert "Lê Minh Chi" in source_page and f"F0 #{case.pk}" in source_page


def test_the_api_ends_a_quarantine_once_and_refuses_a_call_after_it(qworld, q5599, api_client):
    api = api_client(qworld["officer"])
    url = f"/api/v1/quarantine/{q5599.pk}"
    ended = api.post(f"{url}/actions", {"action": "end"}, content_type="application/json")
    assert ended.status_code == 200, ended.content
    again = api.post(f"{url}/actions", {"action": "end"}, content_type="application/json")
    assert again.status_code == 409
    # A call is still logged after the end, but the diary of a day outside the quarantine is refused.
    assert (
        api.post(f"{url}/calls", {"outcome": "reached"}, content_type="application/json").status_code == 201
    )
    diary = api.post(f"{url}/calls", {"outcome": "reached", "symptoms": []}, content_type="application/json")
    assert diary.status_code == 409, diary.content


def test_the_api_shows_one_quarantine_with_its_days_in_words(qworld, q5599, api_client):
    """The 200 of GET /api/v1/quarantine/{id} (tests/api/test_schemathesis.py RACES)."""
    answer = api_client(qworld["officer"]).get(f"/api/v1/quarantine/{q5599.pk}")
    assert answer.status_code == 200 and answer.json()["id"] == q5599.pk and answer.json()["explanation"]
