"""Real Chromium on a 390x844 phone: someone who cannot scan types the code printed on the poster."""

import re

import pypdfium2 as pdfium
import pytest

from epiqr.checkins.models import CheckIn
from epiqr.venues import codes
from epiqr.venues.posters import poster_pdf
from epiqr.venues.selectors import venue_url

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


def printed_address(pdf: bytes) -> str:
    text = " ".join(pdfium.PdfDocument(pdf)[0].get_textpage().get_text_range().split())
    (address,) = set(re.findall(r"Vào (\S+) và nhập mã", text))
    return address


def test_a_citizen_types_the_printed_code_on_a_phone_and_checks_in(
    phone390_page, live_server, settings, commune, owner, screenshot
):
    from tests.factories import VenueFactory

    settings.PUBLIC_BASE_URL = live_server.url
    venue = VenueFactory(commune=commune, owner=owner, code=codes.code_make(), name="Hiệu sách Tràng Tiền")
    page = phone390_page
    page.goto("http://" + printed_address(poster_pdf(venue=venue, url=venue_url(venue=venue), size="A5")))
    assert page.locator("h1").inner_text() == "Nhập mã địa điểm"
    field = page.locator("input[name=code]")
    assert field.evaluate("e => e === document.activeElement")  # the keyboard opens at once

    code = venue.code
    typo = code[:6] + ("2" if code[6] != "2" else "3")
    field.fill(codes.code_display(typo).lower())
    field.press("Enter")
    page.wait_for_selector("#code-error")
    assert "gõ nhầm" in page.locator("#code-error").inner_text()
    assert field.input_value() == codes.code_display(typo).lower()  # nothing typed is lost
    assert page.evaluate("document.documentElement.scrollWidth") <= 390
    screenshot(page, "typo")

    field.fill(f"{code[:3].lower()} {code[3:]}")
    field.press("Enter")
    page.wait_for_selector("input[name=full_name]")
    assert page.locator("h1").inner_text() == venue.name
    assert page.url == live_server.url + "/" + venue_url(venue=venue).split("/", 3)[3]
    page.fill("input[name=full_name]", "Đặng Thu Trang")
    page.fill("input[name=phone]", "0912 000 222")
    page.fill("input[name=birth_year]", "1990")
    page.click("#checkin-no")
    page.wait_for_selector("[data-cue=ok]")
    screenshot(page, "checked-in")
    assert CheckIn.objects.filter(venue=venue).count() == 1


def test_an_old_poster_on_a_phone_says_it_was_replaced_and_leads_to_the_code_page(
    phone390_page, live_server, settings, commune, owner, screenshot
):
    from tests.factories import VenueFactory

    settings.PUBLIC_BASE_URL = live_server.url
    venue = VenueFactory(commune=commune, owner=owner, code=codes.code_make())
    old = venue_url(venue=venue)
    venue.token_generation += 1
    venue.save()
    page = phone390_page
    page.goto(old)
    assert page.locator("h1").inner_text() == "Áp phích này đã được thay"
    assert "token_revoked" not in page.locator("main").inner_text()
    screenshot(page, "replaced")
    page.get_by_role("link", name="Nhập mã địa điểm").click()
    page.locator("input[name=code]").fill(codes.code_display(venue.code))
    page.locator("input[name=code]").press("Enter")
    page.wait_for_selector("input[name=full_name]")
    assert page.url == venue_url(venue=venue)
