"""Real Chromium: the province officer's dashboard on a desk and at 390 px, numbers a click away."""

from datetime import timedelta

import pytest

from epiqr.core.permissions import Role
from epiqr.core.timeutil import local_today
from tests.factories import PASSWORD

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


@pytest.fixture
def world(commune):
    from epiqr.cases.services import case_open
    from epiqr.dashboards.services import levels_recompute, population_set
    from tests.factories import PersonFactory

    today = local_today()
    for i in range(6):
        case_open(
            person=PersonFactory(commune=commune),
            confirmed_on=today - timedelta(days=i % 4),
            onset_on=today - timedelta(days=i),
        )
    population_set(commune_id=commune.pk, population=12_000)
    levels_recompute(day=today)


@pytest.mark.parametrize("fixture", ["desk_page", "phone390_page"])
def test_the_dashboard_shows_level_curve_and_numbers(
    request, fixture, world, live_server, make_user, geo, browser_login, screenshot
):
    page = request.getfixturevalue(fixture)
    officer = make_user(Role.PROVINCE_OFFICER, province=geo)
    browser_login(page, live_server, officer.username, PASSWORD)
    page.goto(f"{live_server.url}/dashboards/")
    assert (
        page.locator("#level .level").inner_text().startswith("Cấp 4")
    )  # 50/100,000 -> 3, coverage unknown -> 4
    assert page.locator("#curve svg.chart").first.locator("rect.bar").count() == 14
    assert not page.locator("#curve-numbers table").is_visible()
    page.click("#curve-numbers summary")
    assert page.locator("#curve-numbers table").is_visible()
    assert page.locator("#curve-numbers tbody tr").count() == 14
    by_confirmation = page.locator("#curve-numbers tbody tr td:nth-child(2)").all_inner_texts()
    assert sum(int(n) for n in by_confirmation) == 6  # the cases opened, counted as they were opened
    assert page.evaluate("document.documentElement.scrollWidth") <= page.viewport_size["width"]
    screenshot(page, fixture)
    page.click("#level a")
    page.wait_for_url("**/levels/**")
    assert "4800" in page.locator("main, body").first.inner_text()
