"""Real Chromium at 390 px: a shop owner fills the COVID-safety self-assessment of their venue, and the
public safe-venue map shows its status."""

import pytest

from epiqr.venues.models import SafetyAssessment
from tests.factories import PASSWORD

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


def test_an_owner_fills_the_self_assessment_on_a_phone(
    phone390_page, live_server, venue, owner, commune, browser_login, screenshot
):
    from django.core.cache import cache

    page = phone390_page
    browser_login(page, live_server, owner.username, PASSWORD)
    page.goto(f"{live_server.url}/venues/{venue.pk}/")
    page.click("#safety a.button")
    page.wait_for_url("**/safety/")
    assert page.locator("#safety-form input[type=checkbox]").count() == 7
    for key in ("qr_posted", "masks", "hand_washing", "distancing", "cleaning", "staff_protected"):
        page.check(f"input[name={key}]")  # ventilation left unticked
    assert page.evaluate("document.documentElement.scrollWidth") <= 390  # no sideways scrolling
    screenshot(page, "form")
    page.click("#safety-form button.primary")
    page.wait_for_url(f"**/venues/{venue.pk}/")
    assert page.locator("#safety .pill").inner_text() == "An toàn"
    row = SafetyAssessment.objects.get()
    assert row.status == "safe" and row.answers["ventilation"] is False
    screenshot(page, "detail")
    cache.clear()
    page.goto(f"{live_server.url}/dashboards/open/venues/?commune={commune.pk}")
    assert page.locator("#safe-venues td.safety").first.inner_text().startswith("An toàn")
    assert page.evaluate("document.documentElement.scrollWidth") <= 390
    screenshot(page, "map")
