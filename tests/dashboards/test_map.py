"""The offline map's data: every commune of the jurisdiction at its centroid with its level, the clusters and
the crowded places of the jurisdiction only, and the centroids themselves."""

import json
from datetime import timedelta

import pytest
from django.test import Client

from epiqr.core.timeutil import local_today, now, start_of_local_day
from epiqr.dashboards.models import ClusterSpot, VenueOccupancy
from epiqr.dashboards.services import levels_recompute, population_set
from epiqr.geo.models import Commune, Province
from epiqr.geo.selectors import commune_positions

pytestmark = pytest.mark.django_db


def test_every_current_commune_has_a_centroid_where_it_is(geo):
    positions = commune_positions()
    assert len(positions) == Commune.objects.count() == 3321
    hue = Province.objects.get(name__icontains="Huế")
    vy_da = hue.communes.get(name="Phường Vỹ Dạ")
    # Phường Vỹ Dạ lies on the Hương river east of the citadel, about 16.48 N 107.61 E.
    assert abs(positions[vy_da.pk].lat - 16.48) < 0.05 and abs(positions[vy_da.pk].lon - 107.61) < 0.05
    for code, pos in positions.items():  # all inside Việt Nam's box, islands included
        assert 8.0 < pos.lat < 23.5 and 102.0 < pos.lon < 117.5, code


def _payload(client) -> dict:
    page = client.get("/dashboards/map/")
    assert page.status_code == 200
    html = page.content.decode()
    start = html.index('<script id="map-data" type="application/json">') + len(
        '<script id="map-data" type="application/json">'
    )
    return json.loads(html[start : html.index("</script>", start)])


def test_the_map_holds_the_communes_of_the_jurisdiction_with_their_levels(
    province_officer, geo, commune, other_commune, make_user
):
    from epiqr.cases.models import Case
    from tests.factories import PersonFactory

    today = local_today()
    for _ in range(8):  # 8 cases in 10,000 people: 80 per 100,000, level 3, coverage unknown: 4
        Case.objects.create(person=PersonFactory(commune=commune), confirmed_on=today, commune=commune)
    from epiqr.dashboards.services import day_counts_refresh

    day_counts_refresh(days={today})
    population_set(commune_id=commune.pk, population=10_000)
    population_set(commune_id=other_commune.pk, population=1_000_000)
    elsewhere = Commune.objects.exclude(province=geo).first()
    population_set(commune_id=elsewhere.pk, population=5_000)
    levels_recompute(day=today)
    c = Client()
    c.force_login(province_officer)
    data = _payload(c)
    codes = {row["code"]: row for row in data["communes"]}
    assert set(codes) == set(geo.communes.values_list("pk", flat=True))
    assert codes[commune.pk]["level"] == 4 and codes[commune.pk]["rate"] == 80.0
    assert codes[other_commune.pk]["level"] == 2  # nobody ill, coverage unknown: raised from 1 to 2
    assert data["communes"][0]["code"] == commune.pk  # the worst first
    assert elsewhere.pk not in codes
    pos = commune_positions()[commune.pk]
    assert (codes[commune.pk]["lat"], codes[commune.pk]["lon"]) == (pos.lat, pos.lon)


def test_clusters_and_crowded_venues_of_the_jurisdiction_only(province_officer, geo, commune):
    elsewhere = Commune.objects.exclude(province=geo).first()
    at = now()
    ClusterSpot.objects.create(
        venue_id=1, commune=commune, name="Quán Thử", cases=3, first=at - timedelta(days=2), last=at, at=at
    )
    ClusterSpot.objects.create(
        venue_id=2, commune=elsewhere, name="Chợ Xa", cases=5, first=at - timedelta(days=2), last=at, at=at
    )
    for venue_id, people, capacity in ((3, 50, 40), (4, 10, 40), (5, 30, None)):
        VenueOccupancy.objects.create(
            venue_id=venue_id,
            commune=commune,
            name=f"Nơi {venue_id}",
            sector="food",
            people=people,
            capacity=capacity,
            at=at,
        )
    VenueOccupancy.objects.create(
        venue_id=6, commune=elsewhere, name="Nơi xa", sector="food", people=99, capacity=10, at=at
    )
    c = Client()
    c.force_login(province_officer)
    data = _payload(c)
    places = sorted((p["kind"], p["name"], p["count"], p["limit"]) for p in data["places"])
    assert places == [("cluster", "Quán Thử", 3, None), ("venue", "Nơi 3", 50, 40)]
    centre = commune_positions()[commune.pk]
    for p in data["places"]:  # drawn inside the commune, near its centre
        assert abs(p["lat"] - centre.lat) < 0.05 and abs(p["lon"] - centre.lon) < 0.05
    assert data["places"] == _payload(c)["places"]  # the same place on every load


def test_a_commune_officer_and_a_citizen(commune, other_commune, make_user, client):
    from epiqr.core.permissions import Role

    officer = make_user(Role.COMMUNE_OFFICER, commune=commune)
    c = Client()
    c.force_login(officer)
    assert [row["code"] for row in _payload(c)["communes"]] == [commune.pk]
    assert client.get("/dashboards/map/").status_code == 302  # to the login page


def test_clusters_are_tracing_clusters_of_counted_cases(commune, other_commune):
    """Two cases at the market within two weeks make a cluster; a case cancelled as opened by mistake and a
    single case elsewhere do not."""
    from epiqr.cases.models import Case, CaseStatus
    from epiqr.checkins.models import CheckIn
    from epiqr.dashboards.services import clusters_refresh
    from tests.factories import PersonFactory, VenueFactory

    market = VenueFactory(commune=commune, name="Chợ Thử")
    cafe = VenueFactory(commune=other_commune, name="Quán Thử")
    today = local_today()
    for i, (venue, status) in enumerate(
        (
            (market, CaseStatus.ACTIVE),
            (market, CaseStatus.RECOVERED),
            (cafe, CaseStatus.ACTIVE),
            (cafe, CaseStatus.CLOSED),
        )
    ):
        person = PersonFactory(commune=venue.commune)
        Case.objects.create(person=person, commune=venue.commune, confirmed_on=today, status=status)
        CheckIn.objects.create(
            person=person,
            venue=venue,
            # yesterday morning in Vietnam: inside a case's infectious period at any hour the test runs
            checked_in_at=start_of_local_day(today - timedelta(days=1)) + timedelta(hours=9 + i),
            method="self",
        )
    assert clusters_refresh() == 1
    spot = ClusterSpot.objects.get()
    assert (spot.venue_id, spot.name, spot.commune_id, spot.cases) == (market.pk, "Chợ Thử", commune.pk, 2)
