"""The QR a venue owner sees on the venue's page (to try it with their own phone) reads back as the
poster's URL on a phone and on a desk screen."""

import pytest

from epiqr.venues.selectors import venue_url
from tests.codes import assert_codes, element_codes
from tests.factories import PASSWORD

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


@pytest.mark.parametrize("size", ["phone390_page", "desk_page"])
def test_the_venue_page_shows_the_poster_code(
    request, size, live_server, venue, owner, browser_login, screenshot
):
    page = request.getfixturevalue(size)
    browser_login(page, live_server, owner.username, PASSWORD)
    page.goto(f"{live_server.url}/venues/{venue.pk}/")
    code = page.locator("main svg")
    assert code.bounding_box()["width"] >= 200
    screenshot(page, size)
    assert_codes(element_codes(code), [venue_url(venue=venue)])
