"""The station pages through the Django client: scan, record with the second Enter, refusals in the panel."""

import uuid

import pytest

from epiqr.core.permissions import Role
from epiqr.vaccination.models import AdverseEvent, Dose, Screening

pytestmark = pytest.mark.django_db

HTMX = {"HTTP_HX_REQUEST": "true"}


@pytest.fixture
def desk(client, vaccinator):
    client.force_login(vaccinator)
    return client


def test_scan_then_enter_records_the_sessions_dose(desk, session, make_person, qr):
    person = make_person(full_name="Đặng Thị Thu")
    page = desk.get(f"/vaccination/sessions/{session.pk}/station/")
    assert page.status_code == 200 and "data-scan-input" in page.content.decode()
    panel = desk.post(f"/vaccination/sessions/{session.pk}/station/scan/", {"payload": qr(person)}, **HTMX)
    html = panel.content.decode()
    assert panel.status_code == 200 and "Đặng Thị Thu" in html and "data-ready" in html
    done = desk.post(
        f"/vaccination/sessions/{session.pk}/station/record/", {"lot": str(session.lot_id)}, **HTMX
    )
    assert done.status_code == 200 and 'data-status="recorded"' in done.content.decode()
    dose = Dose.objects.get(person=person)
    assert (dose.number, dose.product, dose.session_id) == (1, "PFIZER", session.pk)
    # The second Enter without a new scan records nothing more.
    again = desk.post(f"/vaccination/sessions/{session.pk}/station/record/", {}, **HTMX)
    assert again.status_code == 409 and Dose.objects.filter(person=person).count() == 1


def test_too_early_shows_the_reason_field_and_keeps_what_was_typed(desk, session, make_person, give_dose, qr):
    person = make_person()
    give_dose(person, "PFIZER", days_ago=5)
    html = desk.post(
        f"/vaccination/sessions/{session.pk}/station/scan/", {"payload": qr(person)}, **HTMX
    ).content.decode()
    assert "data-ready" not in html and 'name="override"' in html
    refused = desk.post(f"/vaccination/sessions/{session.pk}/station/record/", {"override": "  "}, **HTMX)
    assert refused.status_code == 409 and 'name="override"' in refused.content.decode()
    desk.post(
        f"/vaccination/sessions/{session.pk}/station/record/", {"override": "đi công tác nước ngoài"}, **HTMX
    )
    assert Dose.objects.filter(person=person).count() == 2


def test_an_unreadable_scan_is_a_clear_refusal_not_an_error(desk, session):
    for payload in ["", "garbage|||", "\x00", "x" * 3000, "EPIQR1:nonsense"]:
        r = desk.post(f"/vaccination/sessions/{session.pk}/station/scan/", {"payload": payload}, **HTMX)
        assert 400 <= r.status_code < 500, (payload[:20], r.status_code)


def test_screening_note_and_adverse_event_pages(desk, session, make_person, qr):
    person = make_person()
    desk.post(f"/vaccination/sessions/{session.pk}/station/scan/", {"payload": qr(person)}, **HTMX)
    r = desk.post(
        f"/vaccination/sessions/{session.pk}/station/screening/",
        {"note": "Đang sốt 38,5 độ: hoãn tiêm", "contraindicated": "on"},
        **HTMX,
    )
    assert r.status_code == 200 and "Đang sốt" in r.content.decode()
    assert Screening.objects.get(person=person).contraindicated
    desk.post(f"/vaccination/sessions/{session.pk}/station/record/", {"override": "bác sĩ cho phép"}, **HTMX)
    dose = Dose.objects.get(person=person)
    assert desk.get(f"/vaccination/doses/{dose.pk}/aefi/").status_code == 200
    bad = desk.post(f"/vaccination/doses/{dose.pk}/aefi/", {"severity": "mild", "description": ""})
    assert bad.status_code == 422
    desk.post(f"/vaccination/doses/{dose.pk}/aefi/", {"severity": "severe", "description": "Khó thở"})
    assert AdverseEvent.objects.get(dose=dose).severity == "severe"


def test_sessions_list_and_new_session(desk, site, session):
    assert "Trạm y tế phường" in desk.get("/vaccination/").content.decode()
    r = desk.post(
        "/vaccination/sessions/new/",
        {
            "site": site.pk,
            "day": "2026-12-04",
            "team": "Tổ 2",
            "product": "AZ",
            "lot_number": "abv1",
            "lot_expires_on": "2027-01-01",
        },
    )
    assert r.status_code == 302
    assert desk.get(r["Location"]).status_code == 200


def test_other_communes_and_other_roles_are_refused(client, session, make_user, other_commune, make_person):
    client.force_login(make_user(Role.VACCINATOR, commune=other_commune))
    assert client.get(f"/vaccination/sessions/{session.pk}/station/").status_code == 404
    client.force_login(make_user(Role.VENUE_STAFF))
    assert client.get(f"/vaccination/sessions/{session.pk}/station/").status_code == 403


def test_the_station_api_records_once_per_client_id(api_client, vaccinator, session, make_person, qr):
    person = make_person()
    api = api_client(vaccinator)
    body = {"payload": qr(person), "client_id": str(uuid.uuid4())}
    first = api.post(
        f"/api/v1/vaccination/sessions/{session.pk}/doses", body, content_type="application/json"
    )
    assert first.status_code == 201, first.content
    again = api.post(
        f"/api/v1/vaccination/sessions/{session.pk}/doses", body, content_type="application/json"
    )
    assert again.status_code == 200 and again.json()["stored"] is False
    assert Dose.objects.filter(person=person).count() == 1
    early = api.post(
        f"/api/v1/vaccination/sessions/{session.pk}/doses",
        {"payload": qr(person)},
        content_type="application/json",
    )
    assert early.status_code == 409 and early.json()["code"] == "too_early"


def test_a_batch_from_another_system_is_idempotent_per_sender(
    api_client, vaccinator, make_user, commune, site, other_commune
):
    from tests.people.payloads import cccd_number

    item = {
        "site_id": site.pk,
        "client_id": str(uuid.uuid4()),
        "id_number": cccd_number(born=1970, sex="F", serial=777001),
        "full_name": "Lương Thị Hoa",
        "birth_date": "1970-05-06",
        "sex": "F",
        "product": "AZ",
        "given_at": "2021-08-02T09:30:00+07:00",
        "lot_number": "ABV5300",
    }
    bad = {**item, "client_id": str(uuid.uuid4()), "product": "VODKA"}
    api = api_client(vaccinator)
    first = api.post(
        "/api/v1/vaccination/doses", {"items": [item, bad]}, content_type="application/json"
    ).json()
    assert (first["stored"], first["rejected"]) == (1, 1)
    assert first["items"][1]["code"] == "unknown_product"
    again = api.post("/api/v1/vaccination/doses", {"items": [item]}, content_type="application/json").json()
    assert again["already_stored"] == 1
    changed = {**item, "given_at": "2021-08-03T09:30:00+07:00"}
    reused = api.post(
        "/api/v1/vaccination/doses", {"items": [changed]}, content_type="application/json"
    ).json()
    assert reused["items"][0]["code"] == "client_id_reused"
    # another sender's same client_id is its own dose (here: the same person's second AZ dose)
    other = api_client(make_user(Role.COMMUNE_OFFICER, commune=commune))
    second = {**item, "given_at": "2021-10-25T09:30:00+07:00"}
    answer = other.post(
        "/api/v1/vaccination/doses", {"items": [second]}, content_type="application/json"
    ).json()
    assert answer["stored"] == 1 and answer["items"][0]["number"] == 2
    assert Dose.objects.filter(person__full_name="Lương Thị Hoa").count() == 2
    renamed = {
        **item,
        "client_id": str(uuid.uuid4()),
        "full_name": "Kẻ Mạo Danh",
        "given_at": "2022-02-14T09:00:00+07:00",
    }
    refused = api.post(
        "/api/v1/vaccination/doses", {"items": [renamed]}, content_type="application/json"
    ).json()
    assert refused["items"][0]["code"] == "name_mismatch"
    outsider = api_client(make_user(Role.VACCINATOR, commune=other_commune))
    far = {**item, "client_id": str(uuid.uuid4()), "given_at": "2022-02-14T09:00:00+07:00"}
    answer = outsider.post(
        "/api/v1/vaccination/doses", {"items": [far]}, content_type="application/json"
    ).json()
    assert answer["items"][0]["code"] == "site_not_found"  # a site outside the sender's area
