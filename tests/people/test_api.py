"""The people API: parse with reasons, search and read scoped to the caller's jurisdiction, audited."""

import pytest

from epiqr.core.models import AuditEvent
from epiqr.core.permissions import Role
from epiqr.core.qr import read_bytes
from epiqr.people.models import Person
from epiqr.people.services import person_create, person_personal_qr
from tests.people.payloads import bhyt, cccd, cccd_number

pytestmark = pytest.mark.django_db


@pytest.fixture
def officer(make_user, commune):
    return make_user(Role.COMMUNE_OFFICER, commune=commune)


@pytest.fixture
def resident(commune):
    return person_create(
        full_name="Nguyễn Văn An",
        birth_year=1990,
        sex="M",
        phone="0912000111",
        commune=commune,
        id_number=cccd_number(),
    )


def test_parse_returns_document_type_and_fields(api_client, make_user):
    staff = make_user(Role.VENUE_STAFF)
    response = api_client(staff).post(
        "/api/v1/people/parse", {"payload": bhyt()}, content_type="application/json"
    )
    assert response.status_code == 200
    body = response.json()
    assert body["kind"] == "bhyt" and body["fields"]["full_name"] == "Trần Thị Bình"
    assert (
        body["fields"]["birth_date"] == "1985-09-02"
        and body["fields"]["social_insurance_number"] == "0123456789"
    )


@pytest.mark.parametrize(
    ("payload", "code"),
    [
        (cccd()[:40], "truncated"),
        (cccd().replace("15031990", "31021990"), "bad_date"),
        (cccd(number="003090123456"), "bad_province_code"),
        (cccd().replace("Nguyễn", "Nguyá»…n"), "mangled_text"),
        ("", "empty"),
        ("x" * 5000, "too_long"),
    ],
)
def test_parse_answers_422_with_the_reason(api_client, officer, payload, code):
    response = api_client(officer).post(
        "/api/v1/people/parse", {"payload": payload}, content_type="application/json"
    )
    assert response.status_code == 422
    body = response.json()
    assert body["code"] == code and body["detail"] and body["field"] == "payload"


def test_parse_needs_authentication_and_the_scan_capability(client, api_client, make_user):
    assert (
        client.post("/api/v1/people/parse", {"payload": cccd()}, content_type="application/json").status_code
        == 401
    )
    hotline = make_user(Role.HOTLINE_OPERATOR)
    response = api_client(hotline).post(
        "/api/v1/people/parse", {"payload": cccd()}, content_type="application/json"
    )
    assert response.status_code == 403


def test_parse_of_a_malformed_body_is_a_4xx(api_client, officer):
    response = api_client(officer).post("/api/v1/people/parse", "not json", content_type="application/json")
    assert 400 <= response.status_code < 500


def test_search_is_scoped_and_audited(api_client, officer, resident, other_commune, make_user):
    person_create(full_name="Nguyễn Văn Ẩn", commune=other_commune)
    client = api_client(officer)
    body = client.get("/api/v1/people", {"q": "nguyen van"}).json()
    assert body["count"] == 1 and body["items"][0]["full_name"] == "Nguyễn Văn An"
    assert body["items"][0]["documents"] == [{"kind": "cccd", "number": cccd_number()}]
    event = AuditEvent.objects.filter(action="people.list").latest("pk")
    assert event.actor == officer and event.row_count == 1

    assert client.get("/api/v1/people", {"q": "0912 000 111"}).json()["count"] == 1
    assert client.get("/api/v1/people", {"q": cccd_number()}).json()["count"] == 1


def test_officer_of_another_commune_cannot_see_the_person(api_client, resident, other_commune, make_user):
    stranger = make_user(Role.COMMUNE_OFFICER, commune=other_commune)
    client = api_client(stranger)
    assert client.get("/api/v1/people", {"q": "nguyen"}).json()["count"] == 0
    assert client.get(f"/api/v1/people/{resident.public_id}").status_code == 404
    assert client.get(f"/api/v1/people/{resident.public_id}/qr.png").status_code == 404


def test_province_officer_sees_the_person(api_client, resident, geo, make_user):
    province_officer = make_user(Role.PROVINCE_OFFICER, province=geo)
    response = api_client(province_officer).get(f"/api/v1/people/{resident.public_id}")
    assert response.status_code == 200 and response.json()["phone"] == "0912000111"


def test_venue_staff_cannot_list_people(api_client, make_user, resident):
    assert api_client(make_user(Role.VENUE_STAFF)).get("/api/v1/people").status_code == 403


def test_create_in_own_commune_and_refusals(api_client, officer, other_commune, commune):
    client = api_client(officer)
    created = client.post(
        "/api/v1/people",
        {"full_name": "trần thị bình", "birth_year": 1985, "sex": "F", "phone": "+84 912 000 999"},
        content_type="application/json",
    )
    assert created.status_code == 201
    body = created.json()
    assert (
        body["full_name"] == "Trần Thị Bình"
        and body["phone"] == "0912000999"
        and body["commune_code"] == commune.pk
    )

    outside = client.post(
        "/api/v1/people",
        {"full_name": "Lê Văn C", "commune_code": other_commune.pk},
        content_type="application/json",
    )
    assert outside.status_code == 403
    bad_id = client.post(
        "/api/v1/people",
        {"full_name": "Lê Văn C", "birth_year": 1990, "sex": "F", "id_number": cccd_number(sex="M")},
        content_type="application/json",
    )
    assert bad_id.status_code == 422 and bad_id.json()["code"] == "sex_mismatch"
    bad_phone = client.post(
        "/api/v1/people", {"full_name": "Lê Văn D", "phone": "123"}, content_type="application/json"
    )
    assert bad_phone.status_code == 422 and bad_phone.json()["field"] == "phone"
    assert Person.objects.count() == 1


def test_qr_png_decodes_to_the_signed_personal_code(api_client, officer, resident):
    response = api_client(officer).get(f"/api/v1/people/{resident.public_id}/qr.png")
    assert response.status_code == 200 and response["Content-Type"] == "image/png"
    assert read_bytes(response.content) == [person_personal_qr(person=resident)]
