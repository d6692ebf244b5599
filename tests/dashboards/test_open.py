"""Open data: public, counts per commune and day equal to counting the raw rows then suppressing the small
ones, the same in the page, the CSV and the JSON; bad input is a clear 4xx; the safe-venue map."""

import json
from datetime import date, timedelta

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from hypothesis.extra.django import TestCase as HypothesisTestCase

from epiqr.cases.models import Case, CaseStatus
from epiqr.core.timeutil import local_today
from epiqr.dashboards import opendata
from epiqr.dashboards.services import day_counts_refresh, levels_recompute, population_set
from tests.factories import PersonFactory

pytestmark = pytest.mark.django_db


@given(st.integers(0, 10**9))
def test_a_count_of_one_to_four_is_never_published(n):
    shown = opendata.suppress(n)
    if 1 <= n <= 4:
        assert shown is None
    else:
        assert shown == n


def test_a_negative_count_is_a_bug():
    with pytest.raises(ValueError):
        opendata.suppress(-1)


START = date(2026, 11, 1)
DAYS = 6


class TestOpenDataEqualsTheRawRows(HypothesisTestCase):
    @settings(max_examples=12, deadline=None, suppress_health_check=[HealthCheck.too_slow])
    @given(
        st.lists(
            st.tuples(
                st.integers(0, 2),  # commune
                st.integers(0, DAYS - 1),  # confirmation day
                st.integers(0, 2),  # onset this many days before
                st.sampled_from([s.value for s in CaseStatus]),
            ),
            max_size=40,
        )
    )
    def test_the_published_counts_are_the_raw_counts_suppressed(self, cases):
        from django.core.cache import cache

        from epiqr.geo.models import Province
        from epiqr.geo.services import units_load

        cache.clear()
        if not Province.objects.exists():
            units_load()
        communes = list(Province.objects.get(code=1).communes.order_by("code")[:3])
        Case.objects.all().delete()
        for ci, day, onset_before, status in cases:
            Case.objects.create(
                person=PersonFactory(commune=communes[ci]),
                commune=communes[ci],
                confirmed_on=START + timedelta(days=day),
                onset_on=START + timedelta(days=day - onset_before),
                status=status,
            )
        day_counts_refresh(days={START + timedelta(days=i) for i in range(-2, DAYS)})
        until = START + timedelta(days=DAYS - 1)
        response = self.client.get(
            "/dashboards/open/data.json",
            {"province": 1, "since": START.isoformat(), "until": until.isoformat()},
        )
        assert response.status_code == 200
        published = {(r["commune_code"], r["day"]): r for r in json.loads(response.content)["rows"]}
        counted = Case.objects.exclude(status=CaseStatus.CLOSED)
        for c in communes:
            for i in range(DAYS):
                d = START + timedelta(days=i)
                confirmed = counted.filter(commune=c, confirmed_on=d).count()
                onset = counted.filter(commune=c, onset_on=d).count()
                row = published.get((c.pk, d.isoformat()))
                if row is None:
                    assert confirmed == onset == 0
                else:
                    assert row["confirmed"] == opendata.suppress(confirmed)
                    assert row["onset"] == opendata.suppress(onset)
        for row in published.values():
            for field in opendata.COUNT_FIELDS:
                assert row[field] is None or row[field] == 0 or row[field] >= opendata.SUPPRESS_BELOW


@pytest.fixture
def published(commune, other_commune):
    """Commune A: 7 cases today (published), 2 yesterday (suppressed); a level for both communes."""
    today = local_today()
    for i in range(9):
        Case.objects.create(
            person=PersonFactory(commune=commune, full_name=f"Người Thử {i}"),
            commune=commune,
            confirmed_on=today if i < 7 else today - timedelta(days=1),
        )
    day_counts_refresh(days={today, today - timedelta(days=1)})
    population_set(commune_id=commune.pk, population=10_000)
    population_set(commune_id=other_commune.pk, population=10_000)
    levels_recompute(day=today)
    return today


def test_anyone_reads_the_page_the_csv_and_the_json(client, published, commune, other_commune):
    today = published
    page = client.get("/dashboards/open/", {"province": 1})
    assert page.status_code == 200
    html = page.content.decode()
    assert "Người Thử" not in html
    csv = client.get("/dashboards/open/data.csv", {"province": 1})
    assert csv.status_code == 200 and csv["Content-Type"].startswith("text/csv")
    text = b"".join(csv.streaming_content).decode("utf-8-sig")
    lines = text.strip().splitlines()
    assert lines[0].split(",") == list(opendata.HEADER)
    rows = {(line.split(",")[0], line.split(",")[3]): line.split(",") for line in lines[1:]}
    assert rows[(today.isoformat(), str(commune.pk))][5] == "7"
    assert rows[((today - timedelta(days=1)).isoformat(), str(commune.pk))][5] == "<5"
    assert rows[(today.isoformat(), str(other_commune.pk))][5] == "0"
    assert "Người Thử" not in text
    data = json.loads(client.get("/dashboards/open/data.json", {"province": 1}).content)
    by = {(r["day"], r["commune_code"]): r for r in data["rows"]}
    assert by[(today.isoformat(), commune.pk)]["confirmed"] == 7
    assert by[(today.isoformat(), commune.pk)]["level"] == 4  # 70 per 100,000: 3, coverage unknown: 4
    assert by[((today - timedelta(days=1)).isoformat(), commune.pk)]["confirmed"] is None
    assert data["suppressed_below"] == 5


def test_the_files_follow_new_data(client, published, commune):
    before = json.loads(client.get("/dashboards/open/data.json", {"province": 1}).content)
    Case.objects.create(person=PersonFactory(commune=commune), commune=commune, confirmed_on=published)
    day_counts_refresh(days={published})
    after = json.loads(client.get("/dashboards/open/data.json", {"province": 1}).content)
    key = (published.isoformat(), commune.pk)
    assert {(r["day"], r["commune_code"]): r["confirmed"] for r in before["rows"]}[key] == 7
    assert {(r["day"], r["commune_code"]): r["confirmed"] for r in after["rows"]}[key] == 8


@pytest.mark.parametrize(
    "params, status",
    [
        ({}, 400),  # the files need a province
        ({"province": "abc"}, 400),
        ({"province": "99999999999999999999999"}, 400),
        ({"province": "999"}, 404),
        ({"province": "1", "since": "2026-13-01"}, 400),
        ({"province": "1", "since": "0"}, 400),
        ({"province": "1", "since": "2026-12-03", "until": "2026-12-01"}, 400),
        ({"province": "1", "since": "2026-01-01", "until": "2026-12-01"}, 400),  # more than 92 days
        ({"province": "1", "until": "1066-10-14"}, 400),
    ],
)
def test_bad_questions_get_a_clear_answer(client, geo, params, status):
    for url in ("/dashboards/open/data.json", "/dashboards/open/data.csv"):
        response = client.get(url, params)
        assert response.status_code == status
        assert json.loads(response.content)["detail"]
    if params:
        assert client.get("/dashboards/open/", params).status_code == status


def test_the_safe_venue_map_shows_venues_with_their_qr_and_where_a_case_was(client, commune):
    from epiqr.checkins.models import CheckIn
    from epiqr.core.timeutil import now
    from tests.factories import VenueFactory

    cafe = VenueFactory(commune=commune, name="Quán Cà Phê Thử", sector="food")
    market = VenueFactory(commune=commune, name="Chợ Thử", sector="retail")
    VenueFactory(commune=commune, name="Quán Đã Đóng", is_active=False)
    VenueFactory(commune=commune, name="Đám Cưới Nhà Thử", sector="event")
    person = PersonFactory(commune=commune, full_name="Người Bệnh Thử")
    CheckIn.objects.create(
        person=person, venue=market, checked_in_at=now() - timedelta(days=2), method="self"
    )
    Case.objects.create(person=person, commune=commune, confirmed_on=local_today())
    page = client.get("/dashboards/open/venues/", {"commune": commune.pk})
    assert page.status_code == 200
    risks = {v.name: v.risk for v, _sector in page.context["venues"]}
    assert risks == {"Quán Cà Phê Thử": "", "Chợ Thử": "medium"}
    assert "Người Bệnh Thử" not in page.content.decode()
    assert cafe.code in page.content.decode()  # the code printed on its poster
    assert client.get("/dashboards/open/venues/", {"commune": "12345678901234567890"}).status_code == 404
    assert client.get("/dashboards/open/venues/", {"province": "1"}).status_code == 200
    assert client.get("/dashboards/open/venues/").status_code == 200
