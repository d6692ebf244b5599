"""Real Chromium: the offline map on a desk and at 390 px; nothing is fetched from outside the site."""

from datetime import timedelta

import pytest

from epiqr.core.permissions import Role
from epiqr.core.timeutil import VN_TZ, local_today, now
from tests.factories import PASSWORD

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


@pytest.fixture
def world(reference_data, geo, commune, other_commune):
    from epiqr.cases.models import Case
    from epiqr.dashboards.models import ClusterSpot, VenueOccupancy
    from epiqr.dashboards.services import day_counts_refresh, levels_recompute, population_set
    from tests.factories import PersonFactory

    today = local_today()
    for _ in range(8):
        Case.objects.create(person=PersonFactory(commune=commune), confirmed_on=today, commune=commune)
    day_counts_refresh(days={today})
    population_set(commune_id=commune.pk, population=10_000)
    population_set(commune_id=other_commune.pk, population=1_000_000)
    levels_recompute(day=today)
    at = now()
    ClusterSpot.objects.create(
        venue_id=1,
        commune=commune,
        name="Quán Thử <b>",
        cases=3,
        first=at - timedelta(days=1),
        last=at,
        at=at,
    )
    VenueOccupancy.objects.create(
        venue_id=3, commune=commune, name="Chợ Thử", sector="retail", people=50, capacity=40, at=at
    )


@pytest.mark.parametrize("fixture", ["desk_page", "phone390_page"])
def test_the_map_draws_every_commune_offline(
    request, fixture, world, live_server, make_user, geo, commune, browser_login, screenshot
):
    page = request.getfixturevalue(fixture)
    officer = make_user(Role.PROVINCE_OFFICER, province=geo)
    browser_login(page, live_server, officer.username, PASSWORD)
    outside: list[str] = []
    page.on("request", lambda r: None if r.url.startswith(live_server.url) else outside.append(r.url))
    page.goto(f"{live_server.url}/dashboards/map/")
    page.wait_for_function("() => document.getElementById('map').dataset.ready !== undefined")
    communes = geo.communes.count()
    assert page.locator("#map path.commune").count() == communes
    assert page.locator("#map path.commune.level-4").count() == 1  # the commune with 8 cases
    assert page.locator("#map path.commune.level-2").count() == 1  # the large commune with none
    assert page.locator("#map path.commune.level-none").count() == communes - 2  # no population on record
    assert page.locator("#map path.cluster").count() == 1
    assert page.locator("#map .crowded-icon.venue").count() == 1
    box = page.locator("#map").bounding_box()
    assert box["width"] <= page.viewport_size["width"] and box["height"] > 250
    assert page.evaluate("document.documentElement.scrollWidth") <= page.viewport_size["width"]
    page.locator("#map path.cluster").dispatch_event("click")
    popup = page.locator(".leaflet-popup-content")
    assert "Quán Thử <b>" in popup.inner_text()  # a name is text, never markup
    assert "3" in popup.inner_text()
    screenshot(page, fixture)
    page.locator("#map-crowded summary").click()
    assert "Chợ Thử" in page.locator("#map-crowded table").inner_text()
    assert outside == []  # no tile server, no CDN


@pytest.mark.parametrize("fixture", ["desk_page", "phone390_page"])
def test_the_public_open_data_and_safe_venue_map(request, fixture, world, live_server, commune, screenshot):
    from epiqr.checkins.models import CheckIn
    from epiqr.dashboards.services import day_counts_refresh
    from tests.factories import PersonFactory, VenueFactory

    page = request.getfixturevalue(fixture)
    VenueFactory(commune=commune, name="Quán Cà Phê Thử", sector="food")
    market = VenueFactory(
        commune=commune, name="Chợ Thử Nghiệm Có Tên Rất Dài Để Xem Xuống Dòng", sector="retail"
    )
    ill = PersonFactory(commune=commune)
    CheckIn.objects.create(person=ill, venue=market, checked_in_at=now() - timedelta(days=1), method="self")
    from epiqr.cases.models import Case

    Case.objects.create(person=ill, commune=commune, confirmed_on=local_today())
    day_counts_refresh(days={local_today()})
    outside: list[str] = []
    page.on("request", lambda r: None if r.url.startswith(live_server.url) else outside.append(r.url))
    page.goto(f"{live_server.url}/dashboards/open/?province=1")  # nobody logged in
    assert page.locator("#open-rows tbody tr").count() >= 1
    assert page.locator("#downloads a").count() == 2
    assert page.evaluate("document.documentElement.scrollWidth") <= page.viewport_size["width"]
    screenshot(page, f"open-{fixture}")
    page.goto(f"{live_server.url}/dashboards/open/venues/?commune={commune.pk}")
    page.wait_for_function("() => document.getElementById('map').dataset.ready !== undefined")
    assert page.locator("#map path.venue").count() == 2
    assert page.locator("#map path.venue.risk-medium").count() == 1
    assert page.evaluate("document.documentElement.scrollWidth") <= page.viewport_size["width"]
    screenshot(page, f"safe-{fixture}")
    assert outside == []


@pytest.mark.parametrize("fixture", ["desk_page", "phone390_page"])
def test_the_activity_page(
    request, fixture, world, live_server, make_user, geo, commune, browser_login, screenshot
):
    from epiqr.checkins.models import CheckIn
    from epiqr.checkins.services import venue_counts_rollup
    from epiqr.dashboards.services import activity_refresh, occupancy_refresh
    from tests.factories import PersonFactory, VenueFactory

    page = request.getfixturevalue(fixture)
    cafe = VenueFactory(
        commune=commune, sector="food", capacity=2, name="Quán Cà Phê Có Cái Tên Dài Để Thử Xuống Dòng"
    )
    moment = now() - timedelta(minutes=5)
    for _ in range(3):
        CheckIn.objects.create(
            venue=cafe, person=PersonFactory(commune=commune), checked_in_at=moment, method="self"
        )
    venue_counts_rollup(day=local_today())
    activity_refresh(days={local_today()})
    occupancy_refresh()
    officer = make_user(Role.PROVINCE_OFFICER, province=geo)
    browser_login(page, live_server, officer.username, PASSWORD)
    page.goto(f"{live_server.url}/dashboards/activity/")
    assert page.locator("#daily svg.chart rect.bar").count() == 14
    assert page.locator("#hours svg.chart rect.bar").count() == 24
    assert "3" in page.locator("#totals .tile").first.inner_text()
    assert page.locator("#occupancy tbody tr.over").count() == 1  # 3 people, capacity 2
    page.click("#hours-numbers summary")
    hour = moment.astimezone(VN_TZ).hour
    assert page.locator("#hours-numbers tbody tr").nth(hour).locator("td").nth(1).inner_text() == "3"
    assert page.evaluate("document.documentElement.scrollWidth") <= page.viewport_size["width"]
    screenshot(page, fixture)
