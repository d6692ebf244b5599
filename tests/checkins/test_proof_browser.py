"""Real Chromium on a 390x844 phone: a citizen checks in, then proves who she is with the SMS code (fake
SMS adapter) and sees every visit of hers, not only the ones this phone made."""

import re

import pytest
from django.utils import timezone

from epiqr.checkins.models import CheckIn
from epiqr.people.models import Person

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


@pytest.fixture
def phone_390(phone_page):
    phone_page.set_viewport_size({"width": 390, "height": 844})
    return phone_page


def _fits(page) -> bool:
    return page.evaluate("document.documentElement.scrollWidth") <= 390


def test_sms_code_proof_on_a_phone(
    phone_390, live_server, venue, other_venue, venue_url, screenshot, sent_messages
):
    page = phone_390
    page.goto(live_server.url + venue_url(venue))
    page.fill("input[name=full_name]", "Trịnh Thị Thu")
    page.fill("input[name=phone]", "0913 222 444")
    page.fill("input[name=birth_year]", "1988")
    page.click("#checkin-no")
    page.wait_for_selector("[data-cue=ok]")
    thu = Person.objects.get(phone="0913222444")
    # The same person was scanned by staff at another venue: not this phone's visit.
    CheckIn.objects.create(venue=other_venue, person=thu, checked_in_at=timezone.now(), method="staff")

    page.goto(live_server.url + "/c/mine")
    assert venue.name in page.inner_text("#my-visits") and other_venue.name not in page.inner_text(
        "#my-visits"
    )
    screenshot(page, "mine-before")
    page.click("#not-proven a.button")
    page.wait_for_url("**/people/prove/**")
    assert _fits(page)
    screenshot(page, "prove")
    page.click("form.stack button")
    page.wait_for_url("**/people/prove/code/**")

    box = page.locator("input[name=code]")
    assert (
        box.get_attribute("autocomplete") == "one-time-code" and box.get_attribute("inputmode") == "numeric"
    )
    assert box.bounding_box()["width"] >= 300 and box.bounding_box()["height"] >= 48  # big, for a thumb
    assert [m.recipient for m in sent_messages] == ["0913222444"]
    code = re.search(r"\b(\d{6})\b", sent_messages[0].body).group(1)
    box.fill("000000" if code != "000000" else "111111")
    page.click("#confirm-code")
    page.wait_for_selector("input[name=code] ~ .error, .error[role=alert]")
    screenshot(page, "wrong-code")
    page.locator("input[name=code]").fill(code)
    screenshot(page, "code")
    assert _fits(page)
    page.click("#confirm-code")
    page.wait_for_url("**/c/mine")
    visits = page.inner_text("#my-visits")
    assert venue.name in visits and other_venue.name in visits and "Trịnh Thị Thu" in visits
    assert page.locator(".flash.success").is_visible()
    screenshot(page, "mine-after")
    assert _fits(page)
