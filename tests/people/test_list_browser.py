"""Real Chromium at 390x844: an officer searches people as they type; the list, its pages and the
address follow, and the back button returns to the previous search."""

import pytest

from epiqr.people.services import person_create
from tests.factories import PASSWORD

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


def test_searching_people_on_a_phone_updates_the_list_and_the_address(
    phone390_page, live_server, make_user, commune, browser_login, screenshot
):
    officer = make_user(commune=commune)
    for i in range(30):
        person_create(full_name=f"Nguyễn Thị Mẫu {i:02d}", birth_year=1960 + i, commune=commune)
    person_create(full_name="Lê Văn Khác", birth_year=1990, commune=commune)
    page = phone390_page
    browser_login(page, live_server, officer.username, PASSWORD)
    page.goto(f"{live_server.url}/people/")
    assert page.locator("#results tbody tr").count() == 25
    assert not page.locator("select[name=sex]").is_visible()  # the panel is folded on a phone
    page.fill("input[name=q]", "le van")
    page.wait_for_url("**q=le+van**")
    page.wait_for_function("() => document.querySelectorAll('#results tbody tr').length === 1")
    assert "Lê Văn Khác" in page.inner_text("#results")
    page.fill("input[name=q]", "mau")
    page.wait_for_url("**q=mau**")
    page.wait_for_function("() => document.querySelectorAll('#results tbody tr').length === 25")
    page.click("#results a[rel=next] >> nth=0")
    page.wait_for_url("**page=2**")
    assert page.locator("#results tbody tr").count() == 5 and "q=mau" in page.url
    assert page.evaluate("document.documentElement.scrollWidth") <= 390
    screenshot(page, "page-2")
    page.go_back()
    page.wait_for_url(lambda url: "page=2" not in url)
    page.wait_for_function("() => document.querySelectorAll('#results tbody tr').length === 25")
