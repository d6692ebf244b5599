"""The door screen's rotating QR, rendered by Chromium at phone and desk sizes: centred, as large as the
screen allows, and it reads back as a code the check-in page accepts right now."""

import time

import pytest

from epiqr.venues.selectors import venue_from_token, venue_rotating_url
from epiqr.venues.tokens import ROTATION_SECONDS
from tests.codes import screen_codes
from tests.factories import PASSWORD

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


@pytest.mark.parametrize("size", ["phone", "desk"])
def test_door_screen_code_is_centred_large_and_current(
    request, size, live_server, settings, venue, owner, browser_login, screenshot
):
    settings.PUBLIC_BASE_URL = live_server.url
    page = request.getfixturevalue("phone390_page" if size == "phone" else "desk_page")
    browser_login(page, live_server, owner.username, PASSWORD)
    page.goto(f"{live_server.url}/checkins/venues/{venue.pk}/screen")
    screenshot(page, size)
    width, height = page.viewport_size["width"], page.viewport_size["height"]
    ((url, box),) = screen_codes(page)  # exactly one code on the screen, without scrolling
    left, right = box["x"], width - box["x"] - box["width"]
    assert abs(left - right) <= 0.02 * width, (left, right)  # centred
    assert box["width"] >= 0.5 * min(width, height)  # as large as the screen allows
    assert box["y"] + box["height"] <= height
    now = time.time()
    assert url in {venue_rotating_url(venue=venue, at=t) for t in (now, now - ROTATION_SECONDS)}
    assert venue_from_token(token=url.rsplit("/v/", 1)[1]) == venue  # the check-in page accepts it now
