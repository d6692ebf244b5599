"""Real Chromium: a shop owner registers on a phone, picks the commune from suggestions, gets a poster."""

from pathlib import Path

import pytest

from epiqr.core.qr import read_bytes
from epiqr.venues.models import Venue
from epiqr.venues.selectors import venue_from_token

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


def test_owner_signs_up_on_a_phone_and_downloads_the_poster(phone_page, live_server, geo, screenshot):
    page = phone_page
    page.goto(f"{live_server.url}/venues/register/")
    page.fill("input[name=name]", "Bánh cuốn Bà Hoành")
    page.select_option("select[name=sector]", "food")
    page.fill("input[name=address]", "66 Tô Hiến Thành")
    page.locator("input[name=commune]").press_sequentially("hoan kie", delay=30)
    # htmx fills the datalist with matching communes as the owner types
    page.wait_for_function("() => document.querySelectorAll('#commune-options option').length > 0")
    suggestion = page.eval_on_selector("#commune-options option", "o => o.value")
    assert suggestion == "Phường Hoàn Kiếm, Thành phố Hà Nội"
    page.fill("input[name=commune]", suggestion)
    page.fill("input[name=phone]", "0912 345 678")
    page.fill("input[name=full_name]", "Trần Thị Hoành")
    page.fill("input[name=username]", "banhcuon")
    page.fill("input[name=password]", "banh-cuon-ngon-1")
    screenshot(page, "signup")
    assert page.evaluate("document.documentElement.scrollWidth") <= 360  # no sideways scrolling
    page.click("button.primary")
    page.wait_for_url("**/venues/*/")
    venue = Venue.objects.get()
    assert venue.owner.username == "banhcuon" and venue.commune_id == 70
    assert venue.name in page.inner_text("h1")
    screenshot(page, "detail")
    assert page.evaluate("document.documentElement.scrollWidth") <= 360

    # The PNG link is a real download. Click the link itself: the selector "text=PNG" also matched the
    # poster URL printed on the page whenever the venue's token happened to contain "png" (it depends on
    # the venue's id, hence "only in the full suite"), and clicking that text started no request.
    with page.expect_download(timeout=60000) as download:
        page.get_by_role("link", name="Ảnh (PNG)").click()
    (url,) = read_bytes(Path(download.value.path()).read_bytes())
    assert venue_from_token(token=url.split("/v/")[1]) == venue
