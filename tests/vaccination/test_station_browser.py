"""The vaccinator station in real Chromium, driven only by a keyboard wedge (text + Enter) and Enter."""

import pytest
from playwright.sync_api import expect

from tests.factories import PASSWORD

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


def _wedge(page, text: str, url_part: str) -> None:
    """What a keyboard-wedge scanner does (type and Enter); an empty text is the vaccinator's Enter."""
    with page.expect_response(lambda r: url_part in r.url):
        if text:
            page.keyboard.type(text)
        page.keyboard.press("Enter")
    page.wait_for_function("() => document.querySelector('[data-scan-input]').value === ''")


def test_two_keystrokes_per_person_and_an_early_dose_needs_a_reason(
    browser,
    desk_page,
    live_server,
    browser_login,
    screenshot,
    session,
    vaccinator,
    make_person,
    give_dose,
    qr,
):
    from epiqr.vaccination.models import Dose

    new, early = make_person(full_name="Châu Thị Lụa"), make_person(full_name="Kiều Văn Bảo")
    give_dose(early, "PFIZER", days_ago=7)
    page = desk_page
    browser_login(page, live_server, vaccinator.username, PASSWORD)
    page.goto(f"{live_server.url}/vaccination/sessions/{session.pk}/station/")
    page.wait_for_function("() => document.activeElement && document.activeElement.name === 'payload'")

    _wedge(page, qr(new), "/station/scan/")
    expect(page.locator("#current-person")).to_contain_text("Châu Thị Lụa")
    screenshot(page, "scanned")
    _wedge(page, "", "/station/record/")  # the second keystroke
    # The response has arrived; htmx swaps the panel a moment later (the field was already empty).
    expect(page.locator("[data-status=recorded]")).to_have_count(1)
    assert Dose.objects.filter(person=new, number=1).exists()
    page.locator("#observation li", has_text="Châu Thị Lụa").wait_for()  # the timer list refreshed itself
    assert page.evaluate("document.activeElement.name") == "payload"

    _wedge(page, qr(early), "/station/scan/")
    expect(page.locator("#current-person")).to_contain_text("Kiều Văn Bảo")
    expect(page.locator("#record-form")).to_have_count(1)
    assert page.locator("#record-form[data-ready]").count() == 0  # Enter alone cannot record it
    page.keyboard.press("Enter")
    page.wait_for_timeout(300)
    assert Dose.objects.filter(person=early).count() == 1
    page.fill("[name=override]", "Đi công tác nước ngoài, bác sĩ đồng ý")
    with page.expect_response(lambda r: "/station/record/" in r.url):
        page.click("#record-form button[type=submit]")
    expect(page.locator("[data-status=recorded]")).to_have_count(1)
    assert Dose.objects.get(person=early, number=2).early_override.startswith("Đi công tác")
    screenshot(page, "override")


def test_station_on_a_phone_screen(
    browser, phone390_page, live_server, browser_login, screenshot, session, vaccinator, make_person, qr
):
    page = phone390_page
    browser_login(page, live_server, vaccinator.username, PASSWORD)
    page.goto(f"{live_server.url}/vaccination/sessions/{session.pk}/station/")
    _wedge(page, qr(make_person()), "/station/scan/")
    assert page.evaluate("document.documentElement.scrollWidth") <= 390
    screenshot(page, "phone")
