"""The personal QR as the API hands it out for printing, and on a 390 px phone."""

import pytest

from epiqr.core.permissions import Role
from epiqr.people.services import person_create, person_personal_qr
from tests.codes import QR_ONLY, assert_codes, element_codes, image_codes
from tests.factories import citizen_phone


@pytest.fixture
def resident(commune):
    return person_create(full_name="Bùi Thị Lan", birth_year=1961, sex="F", commune=commune)


@pytest.mark.django_db
@pytest.mark.parametrize("scale", [None, "2", "40"])
def test_the_api_png_reads_back_at_every_scale_it_allows(api_client, make_user, commune, resident, scale):
    officer = make_user(Role.COMMUNE_OFFICER, commune=commune)
    url = f"/api/v1/people/{resident.public_id}/qr.png" + (f"?scale={scale}" if scale else "")
    response = api_client(officer).get(url)
    assert response.status_code == 200 and response["Content-Type"] == "image/png"
    assert_codes(image_codes(response.content, formats=QR_ONLY), [person_personal_qr(person=resident)])


@pytest.mark.browser
@pytest.mark.django_db(transaction=True)
def test_my_qr_on_a_390px_phone(live_server, phone390_page, screenshot, resident):
    host = live_server.url.split("//", 1)[1].split(":")[0]
    name, value, _device = citizen_phone(resident)  # a phone that proved it holds this person
    phone390_page.context.add_cookies([{"name": name, "value": value, "domain": host, "path": "/"}])
    phone390_page.goto(f"{live_server.url}/people/my-qr/")
    code = phone390_page.locator(".qr-code svg")
    assert code.bounding_box()["width"] >= 200
    screenshot(phone390_page, "my-qr")
    assert_codes(element_codes(code), [person_personal_qr(person=resident)])
