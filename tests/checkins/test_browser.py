"""Real Chromium: a citizen on a phone checks in at two venues; a scan station receives a wedge scan."""

import pytest

from epiqr.checkins.models import CheckIn
from tests.factories import PASSWORD

from .conftest import cccd_payload

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


def test_phone_first_time_then_one_tap(phone_page, live_server, venue, other_venue, venue_url, screenshot):
    page = phone_page
    page.goto(live_server.url + venue_url(venue))
    assert venue.name in page.inner_text("h1")
    page.fill("input[name=full_name]", "Nguyễn Thị Mai")
    page.fill("input[name=phone]", "0912 000 111")
    page.fill("input[name=birth_year]", "1992")
    screenshot(page, "first-time-form")
    page.click("#checkin-no")
    page.wait_for_selector("[data-cue=ok]")
    assert "Nguyễn Thị Mai" in page.inner_text("main")
    screenshot(page, "confirmed")
    assert page.evaluate("document.documentElement.scrollWidth") <= 360  # no sideways scrolling on a phone

    page.goto(live_server.url + venue_url(other_venue))
    assert page.locator("input[name=full_name]").count() == 0
    assert page.is_checked("input[name=person]")
    screenshot(page, "one-tap")
    page.click("#checkin-no")
    page.wait_for_selector("[data-cue=ok]")
    rows = list(CheckIn.objects.order_by("checked_in_at").values_list("venue_id", "person_id", "method"))
    assert [r[0] for r in rows] == [venue.pk, other_venue.pk]
    assert rows[0][1] == rows[1][1] and {r[2] for r in rows} == {"self"}

    page.click("form[action$=checkout] button")
    page.wait_for_load_state()
    assert CheckIn.objects.get(venue=other_venue).checked_out_at is not None


def test_invalid_poster_on_phone(phone_page, live_server, venue, venue_url, screenshot):
    phone_page.goto(live_server.url + venue_url(venue)[:-4] + "xxxx")
    assert phone_page.locator("[role=alert][data-refusal=token_invalid]").is_visible()
    screenshot(phone_page, "invalid")
    assert CheckIn.objects.count() == 0


def test_station_keyboard_wedge(desk_page, live_server, owner, venue, browser_login, screenshot):
    page = desk_page
    browser_login(page, live_server, owner.username, PASSWORD)
    page.goto(f"{live_server.url}/checkins/station/{venue.pk}/")
    payload = cccd_payload(name="Đỗ Văn Hùng")
    page.wait_for_function("() => document.activeElement && document.activeElement.name === 'payload'")
    page.keyboard.type(payload)  # what a USB/Bluetooth scanner does
    page.keyboard.press("Enter")
    page.wait_for_selector("[data-result=ok]")
    assert "Đỗ Văn Hùng" in page.inner_text("#result")
    screenshot(page, "green")
    # the input is ready for the next card without touching the mouse; a repeat is the same visit
    page.wait_for_function("() => document.activeElement && document.activeElement.name === 'payload'")
    page.keyboard.type(payload)
    page.keyboard.press("Enter")
    page.wait_for_selector("[data-result=ok]")
    page.keyboard.type(payload[:20])
    page.keyboard.press("Enter")
    page.wait_for_selector("[data-result=bad]")
    screenshot(page, "red")
    assert CheckIn.objects.filter(venue=venue).count() == 1
