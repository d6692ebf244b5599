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


@pytest.fixture
def campaign(geo, commune, other_commune):
    from epiqr.dashboards.deployment import deadline_set, targets_match
    from epiqr.dashboards.models import DeploymentTarget
    from tests.factories import VenueFactory

    officer = make_officer(geo)
    VenueFactory(name="Nhà thuốc Minh Châu", address="5 phố Huế", commune=commune, sector="health")
    for name, c in (("NHÀ THUỐC MINH CHÂU", commune), ("Nhà nghỉ Hoa Mai", other_commune)):
        DeploymentTarget.objects.create(
            province=geo,
            commune=c,
            name=name,
            address="5 phố Huế",
            sector="health",
            agency="Sở Y tế",
            phone="0912000111",
        )
    targets_match(province_id=geo.pk)
    deadline_set(actor=officer, sector="health", agency="Sở Y tế", deadline=local_today() - timedelta(days=2))
    return officer


def make_officer(geo):
    from tests.factories import user_factory

    return user_factory(Role.PROVINCE_OFFICER, province=geo)


@pytest.mark.parametrize("fixture", ["desk_page", "phone390_page"])
def test_the_deployment_page_and_the_list_to_call(
    request, fixture, campaign, live_server, browser_login, screenshot
):
    page = request.getfixturevalue(fixture)
    browser_login(page, live_server, campaign.username, PASSWORD)
    page.goto(f"{live_server.url}/dashboards/deployment/")
    row = page.locator("#by-sector tbody tr").first
    assert "Sở Y tế" in row.inner_text() and "trễ 2 ngày" in row.inner_text()
    assert page.evaluate("document.documentElement.scrollWidth") <= page.viewport_size["width"]
    screenshot(page, f"progress-{fixture}")
    page.click("#deployment-totals .tile:last-child b a")
    page.wait_for_url("**/deployment/calls/**")
    assert page.locator("tbody tr[id^=target-]").count() == 1
    assert "Nhà nghỉ Hoa Mai" in page.locator("tbody").inner_text()
    assert page.evaluate("document.documentElement.scrollWidth") <= page.viewport_size["width"]
    screenshot(page, f"calls-{fixture}")
