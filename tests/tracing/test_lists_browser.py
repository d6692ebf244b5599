"""Real Chromium at 390x844 and on a desk: a big run's contacts come a page at a time, the filters fold
away on a phone, keep their state in the address, and the back button returns to the previous list."""

import pytest

from epiqr.core.permissions import Role
from tests.factories import PASSWORD, PersonFactory, VenueFactory
from tests.tracing.bigrun import big_run

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


@pytest.fixture
def run300(commune, other_commune):
    from epiqr.cases.services import case_open
    from epiqr.core.timeutil import local_today

    case = case_open(
        person=PersonFactory(full_name="Nguyễn Văn An", commune=commune), confirmed_on=local_today()
    )
    venue = VenueFactory(name="Chợ Thử", commune=commune)
    return big_run(case=case, venue=venue, communes=[commune, other_commune], f1=100, f2=200)


def rows(page) -> int:
    return page.locator("tr[id^=contact-]").count()


def test_a_300_contact_run_on_a_phone_is_short_pages_with_folded_filters(
    phone390_page, live_server, run300, make_user, browser_login, screenshot
):
    admin = make_user(Role.ADMIN)
    page = phone390_page
    browser_login(page, live_server, admin.username, PASSWORD)
    page.goto(f"{live_server.url}/tracing/runs/{run300.pk}/")
    assert rows(page) == 50
    panel = page.locator("details[data-list-filters]")
    assert panel.get_attribute("open") is None and not page.locator("select[name=risk]").is_visible()
    assert page.evaluate("document.documentElement.scrollWidth") <= 390  # no sideways scrolling
    height = page.evaluate("document.documentElement.scrollHeight")
    screenshot(page, "first-page")
    # open the filters, keep F2 with high risk
    page.click("details[data-list-filters] > summary")
    page.select_option("details[data-list-filters] select[name=degree]", "2")
    page.select_option("select[name=risk]", "high")
    page.click("details[data-list-filters] button.primary")
    page.wait_for_url("**degree=2**")
    assert "risk=high" in page.url and rows(page) == 50
    assert page.locator("tr[id^=contact-] small.via").count() == 50  # every F2 says through which F1
    page.click("a[rel=next]")
    page.wait_for_url("**page=2**")
    assert "degree=2" in page.url and "risk=high" in page.url
    screenshot(page, "f2-page-2")
    page.go_back()
    page.wait_for_url(lambda url: "page=2" not in url)
    assert page.locator("details[data-list-filters] select[name=degree]").input_value() == "2"
    page.go_back()
    page.wait_for_url(lambda url: "degree" not in url)
    assert (
        rows(page) == 50
        and page.locator("details[data-list-filters] select[name=degree]").input_value() == ""
    )
    # a 300-contact run was one page of every contact; now a phone page holds 50 cards
    assert height < 50 * 400, height


def test_on_a_desk_the_filters_are_open_and_column_titles_sort(
    desk_page, live_server, run300, make_user, browser_login, screenshot
):
    admin = make_user(Role.ADMIN)
    page = desk_page
    browser_login(page, live_server, admin.username, PASSWORD)
    page.goto(f"{live_server.url}/tracing/runs/{run300.pk}/?page_size=25")
    page.wait_for_function("() => document.querySelector('details[data-list-filters]').open")
    assert page.locator("select[name=risk]").is_visible() and rows(page) == 25
    page.click("th a:has-text('Tiếp xúc')")
    page.wait_for_url("**sort=exposed**")
    assert "page_size=25" in page.url and rows(page) == 25
    page.click("th a:has-text('Tiếp xúc')")
    page.wait_for_url("**sort=-exposed**")
    assert page.locator("th[aria-sort=descending]").count() == 1
    page.click("nav.pager a.num:has-text('12')")
    page.wait_for_url("**page=12**")
    assert rows(page) == 25 and "Dòng 276–300 trên tổng 300" in page.inner_text("nav.pager")
    screenshot(page, "last-page")
