"""Officer pages (search, detail, create/edit, printable QR) and the citizen's public my-QR page."""

import pytest

from epiqr.core.models import AuditEvent
from epiqr.core.permissions import Role
from epiqr.people.models import Person
from epiqr.people.services import person_create, person_personal_qr
from tests.factories import give_phone
from tests.people.payloads import cccd_number

pytestmark = pytest.mark.django_db


@pytest.fixture
def officer(make_user, commune, client):
    user = make_user(Role.COMMUNE_OFFICER, commune=commune)
    client.force_login(user)
    return user


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


def test_search_by_name_without_diacritics_phone_and_id(client, officer, resident, other_commune):
    person_create(full_name="Nguyễn Văn An", commune=other_commune)  # same name, another commune
    for query in ("nguyen van an", "Nguyễn Văn", "0912 000 111", cccd_number()):
        page = client.get("/people/", {"q": query})
        assert page.status_code == 200
        assert page.context["page"].items == [resident], query
    assert AuditEvent.objects.filter(action="people.list", actor=officer).count() == 4


def test_htmx_search_returns_only_the_results_fragment(client, officer, resident):
    page = client.get("/people/", {"q": "an"}, headers={"HX-Request": "true"})
    assert (
        page.status_code == 200 and b"<html" not in page.content and "Nguyễn Văn An" in page.content.decode()
    )


def test_detail_is_vietnamese_and_scoped(client, officer, resident, make_user, other_commune):
    page = client.get(f"/people/{resident.public_id}/")
    assert page.status_code == 200
    html = page.content.decode()
    assert "Ngày sinh" in html and cccd_number() in html
    client.force_login(make_user(Role.COMMUNE_OFFICER, commune=other_commune))
    assert client.get(f"/people/{resident.public_id}/").status_code == 404
    assert client.get(f"/people/{resident.public_id}/qr/").status_code == 404


def test_pages_refuse_roles_without_the_capability(client, make_user, resident):
    client.force_login(make_user(Role.VENUE_STAFF))
    assert client.get("/people/").status_code == 403
    assert client.get("/people/new/").status_code == 403


def test_create_form_registers_and_shows_errors_without_losing_input(client, officer, commune):
    bad = client.post(
        "/people/new/",
        {
            "full_name": "Trần Thị Bình",
            "birth_year": "1985",
            "sex": "F",
            "phone": "12345",
            "commune": commune.pk,
        },
    )
    assert bad.status_code == 422 and not Person.objects.exists()
    html = bad.content.decode()
    assert "Trần Thị Bình" in html and "12345" in html  # what was typed is still there
    assert bad.context["form"].errors["phone"]

    ok = client.post(
        "/people/new/",
        {
            "full_name": "Trần Thị Bình",
            "birth_year": "1985",
            "sex": "F",
            "phone": "0912 000 999",
            "commune": commune.pk,
        },
    )
    person = Person.objects.get()
    assert ok.status_code == 302 and ok["Location"] == f"/people/{person.public_id}/"
    assert person.phone == "0912000999" and person.commune == commune


def test_edit_form_rejects_an_id_inconsistent_with_the_person(client, officer, resident, commune):
    form = {"full_name": resident.full_name, "birth_year": "1990", "sex": "M", "commune": commune.pk}
    page = client.post(f"/people/{resident.public_id}/edit/", {**form, "id_number": cccd_number(sex="F")})
    assert page.status_code == 422 and list(page.context["form"].errors) == ["id_number"]
    resident.refresh_from_db()
    assert resident.documents.get().number == cccd_number()


def test_qr_page_prints_the_signed_code_in_centimetres_and_rotation_replaces_it(client, officer, resident):
    page = client.get(f"/people/{resident.public_id}/qr/")
    html = page.content.decode()
    assert page.status_code == 200 and "@media print" in html and "width:6cm" in html
    assert cccd_number() not in html
    before = person_personal_qr(person=resident)
    client.post(f"/people/{resident.public_id}/qr/rotate/")
    resident.refresh_from_db()
    assert resident.qr_generation == 2 and person_personal_qr(person=resident) != before


def test_my_qr_shows_only_the_people_this_phone_proved(client, db, resident, commune):
    empty = client.get("/people/my-qr/")
    assert empty.status_code == 302 and empty["Location"].startswith(
        "/people/prove/?next=%2Fpeople%2Fmy-qr%2F"
    )

    other = person_create(full_name="Lê Thị Cúc", commune=commune)
    typed_only = person_create(full_name="Đỗ Văn Khải", commune=commune)
    give_phone(client, resident, linked=[typed_only])
    page = client.get("/people/my-qr/")
    assert [p for p, _svg in page.context["cards"]] == [resident]
    html = page.content.decode()
    assert "Nguyễn Văn An" in html and "Lê Thị Cúc" not in html and cccd_number() not in html
    assert "Đỗ Văn Khải" in html  # listed by the name the phone typed, with a way to prove it, no code
    assert other.pk


def test_scanner_check_shows_what_a_card_says_and_saves_nothing(client, make_user):
    from tests.people.payloads import bhyt

    client.force_login(make_user(Role.VENUE_STAFF))
    ok = client.post("/people/scan/", {"payload": bhyt()}, headers={"HX-Request": "true"})
    html = ok.content.decode()
    assert ok.status_code == 200 and "Trần Thị Bình" in html and "02/09/1985" in html and "Thẻ BHYT" in html
    assert not Person.objects.exists()


def test_scanner_check_names_a_mangling_scanner(client, make_user):
    from tests.people.payloads import cccd

    client.force_login(make_user(Role.SAMPLER))
    bad = client.post(
        "/people/scan/", {"payload": cccd().replace("Nguyễn", "Nguyá»…n")}, headers={"HX-Request": "true"}
    )
    assert (
        bad.status_code == 422 and "mangled_text" in bad.content.decode() and "UTF-8" in bad.content.decode()
    )
    full_page = client.post("/people/scan/", {"payload": ""})
    assert full_page.status_code == 422 and "<html" in full_page.content.decode()


def test_scanner_check_needs_the_scan_capability(client, make_user):
    client.force_login(make_user(Role.HOTLINE_OPERATOR))
    assert client.get("/people/scan/").status_code == 403


def test_scan_photo_reads_the_code_in_a_picture(client, make_user, resident):
    from django.core.files.uploadedfile import SimpleUploadedFile

    from epiqr.core.qr import draw_png

    client.force_login(make_user(Role.VENUE_STAFF))
    payload = person_personal_qr(person=resident)
    photo = SimpleUploadedFile("card.png", draw_png(payload, scale=6), content_type="image/png")
    assert client.post("/people/scan/photo/", {"photo": photo}).json()["codes"] == [payload]
    junk = SimpleUploadedFile("card.png", b"not an image", content_type="image/png")
    response = client.post("/people/scan/photo/", {"photo": junk})
    assert response.status_code == 422 and response.json()["codes"] == [] and response.json()["detail"]
    assert client.post("/people/scan/photo/", {}).status_code == 422


def test_person_page_links_cases_and_shows_test_results(client, make_user, commune):
    """An officer reaches 'open a case' from the person, and sees the case once it is open."""
    from epiqr.cases.services import case_open
    from epiqr.core.permissions import Role
    from epiqr.core.timeutil import local_today
    from tests.factories import PersonFactory

    officer = make_user(Role.COMMUNE_OFFICER, commune=commune)
    person = PersonFactory(commune=commune)
    client.force_login(officer)
    page = client.get(f"/people/{person.public_id}/").content.decode()
    assert f"/cases/open/?person={person.public_id}" in page
    case = case_open(person=person, confirmed_on=local_today(), actor=officer)
    page = client.get(f"/people/{person.public_id}/").content.decode()
    assert f"/cases/{case.pk}/" in page and "/cases/open/?person=" not in page


def test_people_list_filters_sorts_and_pages_with_the_search_kept(client, officer, commune):
    for i, year in enumerate((1950, 1980, 1985, 2001)):
        person_create(full_name=f"Trần Văn Thử {i}", birth_year=year, commune=commune)
    page = client.get(
        "/people/", {"q": "tran van", "born_from": "1980", "born_until": "2000", "page_size": "1"}
    )
    listed = page.context["page"]
    assert listed.count == 2 and [p.full_name for p in listed.items] == ["Trần Văn Thử 1"]
    assert (
        'href="?q=tran+van&amp;born_from=1980&amp;born_until=2000&amp;page_size=1&amp;page=2"'
        in page.content.decode()
    )
    newest = client.get("/people/", {"q": "tran van", "sort": "-registered"}).context["page"]
    assert newest.items[0].full_name == "Trần Văn Thử 3"
    bad = client.get("/people/", {"born_from": "năm ngoái", "q": "tran"})
    assert bad.status_code == 400 and 'value="năm ngoái"' in bad.content.decode()  # what was typed stays
