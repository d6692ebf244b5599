"""Real Chromium: the printed personal QR card scans, and a citizen's phone shows their own code."""

import pytest

from epiqr.core.permissions import Role
from epiqr.core.qr import read_bytes
from epiqr.people.services import person_create, person_personal_qr
from tests.factories import PASSWORD

pytestmark = pytest.mark.django_db(transaction=True)

CM_IN_CSS_PX = 96 / 2.54


@pytest.fixture
def resident(commune):
    return person_create(full_name="Nguyễn Thị Hoa", birth_year=1958, sex="F", commune=commune)


def test_printed_personal_qr_is_at_least_5cm_and_decodes(
    live_server, desk_page, browser_login, screenshot, make_user, commune, resident
):
    officer = make_user(Role.COMMUNE_OFFICER, commune=commune)
    browser_login(desk_page, live_server, officer.username, PASSWORD)
    desk_page.goto(f"{live_server.url}/people/{resident.public_id}/qr/")
    assert desk_page.get_by_text("Mã QR cá nhân").first.is_visible()

    desk_page.emulate_media(media="print")
    assert not desk_page.locator("header.top").is_visible()  # the print stylesheet hides the chrome
    box = desk_page.locator(".qr-code svg").bounding_box()
    assert box["width"] >= 5 * CM_IN_CSS_PX and box["height"] >= 5 * CM_IN_CSS_PX

    shot = screenshot(desk_page, "print")
    assert read_bytes(shot.read_bytes()) == [person_personal_qr(person=resident)]


def test_my_qr_on_a_phone_shows_the_proven_person(live_server, phone_page, screenshot, resident):
    from tests.factories import citizen_phone

    host = live_server.url.split("//", 1)[1].split(":")[0]
    name, value, _device = citizen_phone(resident)
    phone_page.context.add_cookies([{"name": name, "value": value, "domain": host, "path": "/"}])
    phone_page.goto(f"{live_server.url}/people/my-qr/")
    assert phone_page.get_by_text("Nguyễn Thị Hoa").is_visible()
    shot = screenshot(phone_page, "my-qr")
    assert read_bytes(shot.read_bytes()) == [person_personal_qr(person=resident)]


def test_scanner_check_reads_what_a_keyboard_wedge_types(
    live_server, phone_page, browser_login, screenshot, make_user
):
    from playwright.sync_api import expect

    from tests.people.payloads import cccd

    staff = make_user(Role.VENUE_STAFF)
    browser_login(phone_page, live_server, staff.username, PASSWORD)
    phone_page.goto(f"{live_server.url}/people/scan/")
    box = phone_page.locator("[data-scan-input]")
    box.type(cccd())  # a keyboard-wedge scanner types the payload, then Enter
    box.press("Enter")
    phone_page.locator("[data-testid=scan-ok]").wait_for()
    assert "15/03/1990" in phone_page.locator("#scan-result").inner_text()
    expect(box).to_have_value("")  # cleared and ready for the next card

    box.type(cccd().replace("Nguyễn Văn", "Nguy?n V?n"))  # the same card through a US keyboard layout
    box.press("Enter")
    phone_page.locator("[data-testid=scan-error]").wait_for()
    assert "UTF-8" in phone_page.locator("#scan-result").inner_text()
    screenshot(phone_page, "mangled")
