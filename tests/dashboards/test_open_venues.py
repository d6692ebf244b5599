"""Open data: the safe-venue statuses (AntoanCovid). Per venue with an owner's self-assessment in force
today: its public name and code, commune, sector, the grade and the day it expires, in the CSV, the real
XLSX (read back with openpyxl) and the JSON, through the one export writer (a hostile name stays text).
Venues never assessed, expired, closed or events are left out, consistently with the safe-venue map, which
shows the same venues with the same statuses and the others as not assessed."""

import csv
import io
import json
from datetime import date, datetime, timedelta

import pytest
from django.core.cache import cache
from openpyxl import load_workbook

from epiqr.core.permissions import Role
from epiqr.core.timeutil import local_today
from epiqr.dashboards import opendata
from epiqr.venues import safety
from epiqr.venues.models import SafetyAssessment
from epiqr.venues.services import venue_safety_assess
from tests.factories import VenueFactory

pytestmark = pytest.mark.django_db

ALL_YES = {i.key: True for i in safety.SELF_CHECK_2020.items}
HOSTILE = '=HYPERLINK("http://x.example","Xem")'


@pytest.fixture
def venues(make_user, geo, commune, other_commune):
    """Assessed in force: a café (high risk, then safe: the latest wins), a market in the other commune
    (high risk), a hostile name (at risk). Left out: a bookshop never assessed, a shop whose assessment
    expired, a closed venue, an event, and a venue of another province."""
    owner = make_user(Role.VENUE_OWNER)

    def venue(name, where, **kw):
        return VenueFactory(name=name, commune=where, owner=owner, **kw)

    made = {
        "cafe": venue("Quán Cà Phê Thử", commune),
        "market": venue("Chợ Thử", other_commune, sector="retail"),
        "hostile": venue(HOSTILE, commune),
        "bookshop": venue("Tiệm Sách Chưa Đánh Giá", commune, sector="retail"),
        "expired": venue("Tiệm Hết Hạn", commune, sector="retail"),
        "closed": venue("Quán Đã Đóng", commune),
        "event": venue("Đám Cưới Nhà Thử", commune, sector="event"),
        "elsewhere": venue(
            "Quán Tỉnh Khác", geo.__class__.objects.exclude(pk=geo.pk).first().communes.first()
        ),
    }

    def assess(key, **answers):
        venue_safety_assess(venue=made[key], actor=owner, answers={**ALL_YES, **answers})

    assess("cafe", masks=False)
    assess("cafe")
    assess("market", hand_washing=False)
    assess("hostile", ventilation=False, cleaning=False)
    assess("expired")
    SafetyAssessment.objects.filter(venue=made["expired"]).update(
        valid_until=local_today() - timedelta(days=1)
    )
    for key in ("closed", "event", "elsewhere"):
        assess(key)
    made["closed"].is_active = False
    made["closed"].save()
    cache.clear()
    return made


def _published(venues) -> dict[str, tuple]:
    until = local_today() + timedelta(days=13)
    return {
        venues["cafe"].code: ("Quán Cà Phê Thử", "food", "safe", until),
        venues["market"].code: ("Chợ Thử", "retail", "high_risk", until),
        venues["hostile"].code: (HOSTILE, "food", "at_risk", until),
    }


def test_the_csv_holds_the_statuses_in_force_and_nothing_else(client, venues, commune, other_commune):
    answer = client.get("/dashboards/open/venues.csv", {"province": 1})
    assert answer.status_code == 200 and answer["Content-Type"].startswith("text/csv")
    assert answer["Access-Control-Allow-Origin"] == "*"
    rows = list(csv.reader(io.StringIO(b"".join(answer.streaming_content).decode("utf-8-sig"))))
    assert rows[0] == list(opendata.VENUE_HEADER)
    by_code = {r[4]: dict(zip(opendata.VENUE_HEADER, r, strict=True)) for r in rows[1:]}
    expected = _published(venues)
    assert set(by_code) == set(expected)
    for code, (name, sector, status, until) in expected.items():
        row = by_code[code]
        shown = name if name != HOSTILE else "'" + HOSTILE  # neutralised: never runs as a formula
        assert (row["venue"], row["sector"], row["safety_status"], row["valid_until"]) == (
            shown,
            sector,
            status,
            until.isoformat(),
        )
        assert row["province_code"] == "1"
    assert by_code[venues["market"].code]["commune_code"] == str(other_commune.pk)
    assert by_code[venues["market"].code]["commune"] == other_commune.name
    assert by_code[venues["cafe"].code]["commune"] == commune.name
    # Vietnamese first: the names of the sector and the status
    assert by_code[venues["cafe"].code]["safety_status_name"] == "An toàn"
    assert by_code[venues["market"].code]["safety_status_name"] == "Nguy cơ cao"


def test_the_xlsx_is_a_real_workbook_with_the_same_rows(client, venues):
    answer = client.get("/dashboards/open/venues.xlsx", {"province": 1})
    assert answer.status_code == 200
    assert answer["Content-Type"] == "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
    assert answer["Content-Disposition"].startswith('attachment; filename="epiqr-safe-venues-1-')
    book = load_workbook(io.BytesIO(b"".join(answer.streaming_content)))
    ws = book["safe-venues"]
    rows = [[c.value for c in row] for row in ws.iter_rows()]
    assert rows[0] == list(opendata.VENUE_HEADER)
    by_code = {r[4]: dict(zip(opendata.VENUE_HEADER, r, strict=True)) for r in rows[1:]}
    expected = _published(venues)
    assert set(by_code) == set(expected)
    for code, (name, sector, status, until) in expected.items():
        row = by_code[code]
        assert (row["venue"], row["sector"], row["safety_status"]) == (name, sector, status)
        assert isinstance(row["valid_until"], datetime) and row["valid_until"].date() == until  # a date cell
        assert row["province_code"] == 1 and isinstance(row["commune_code"], int)
    for row in ws.iter_rows(min_row=2):
        name = row[5]
        assert name.data_type == "s"  # text, never a formula
        if name.value == HOSTILE:
            assert name.quotePrefix


def test_the_json_carries_the_same_statuses(client, venues):
    data = json.loads(client.get("/dashboards/open/data.json", {"province": 1}).content)
    block = data["venue_safety"]
    assert block["on"] == local_today().isoformat()
    got = {
        v["venue_code"]: (v["venue"], v["sector"], v["safety_status"], v["valid_until"])
        for v in block["venues"]
    }
    assert got == {code: (n, s, st, d.isoformat()) for code, (n, s, st, d) in _published(venues).items()}


def test_the_files_and_the_map_agree_on_every_commune(client, venues, commune, other_commune):
    """The map shows every active venue of a commune (events left out) with its status, "" when it has none
    in force; the files list exactly those with a status, with the same status and day."""
    rows = json.loads(client.get("/dashboards/open/data.json", {"province": 1}).content)["venue_safety"][
        "venues"
    ]
    for where in (commune, other_commune):
        page = client.get("/dashboards/open/venues/", {"commune": where.pk})
        on_map = {v["code"]: (v["safety"], v["safety_until"]) for v in page.context["payload"]["venues"]}
        in_file = {
            r["venue_code"]: (r["safety_status"], r["valid_until"])
            for r in rows
            if r["commune_code"] == where.pk
        }
        assert in_file == {code: shown for code, shown in on_map.items() if shown[0]}
    on_map = {
        v["code"]: v["safety"]
        for v in client.get("/dashboards/open/venues/", {"commune": commune.pk}).context["payload"]["venues"]
    }
    assert (
        on_map[venues["bookshop"].code] == "" and on_map[venues["expired"].code] == ""
    )  # shown as not assessed
    assert venues["closed"].code not in on_map and venues["event"].code not in on_map  # left out of both


def test_a_new_assessment_and_an_expiry_reach_the_files(client, venues):
    owner = venues["bookshop"].owner
    venue_safety_assess(venue=venues["bookshop"], actor=owner, answers=ALL_YES)
    SafetyAssessment.objects.filter(venue=venues["market"]).update(
        valid_until=local_today() - timedelta(days=1)
    )
    cache.clear()  # the files are cached as the map is (OPEN_CACHE_SECONDS)
    data = json.loads(client.get("/dashboards/open/data.json", {"province": 1}).content)
    codes = {v["venue_code"] for v in data["venue_safety"]["venues"]}
    assert venues["bookshop"].code in codes and venues["market"].code not in codes


def test_english_reads_english(client, venues):
    client.cookies["django_language"] = "en"
    rows = list(
        csv.reader(
            io.StringIO(
                b"".join(client.get("/dashboards/open/venues.csv", {"province": 1}).streaming_content).decode(
                    "utf-8-sig"
                )
            )
        )
    )
    cafe = next(
        dict(zip(opendata.VENUE_HEADER, r, strict=True)) for r in rows[1:] if r[4] == venues["cafe"].code
    )
    assert (cafe["sector_name"], cafe["safety_status_name"]) == ("Restaurant, eatery or café", "Safe")
    page = client.get("/dashboards/open/", {"province": 1}).content.decode()
    assert "3 venues of this province have a COVID-safety self-assessment in force today" in page
    assert "/dashboards/open/venues.xlsx?province=1" in page


@pytest.mark.parametrize(
    "params, status",
    [
        ({}, 400),
        ({"province": "abc"}, 400),
        ({"province": "99999999999999999999999"}, 400),
        ({"province": "999"}, 404),
    ],
)
def test_bad_questions_get_a_clear_answer(client, geo, params, status):
    for url in ("/dashboards/open/venues.csv", "/dashboards/open/venues.xlsx"):
        response = client.get(url, params)
        assert response.status_code == status
        assert json.loads(response.content)["detail"]


def test_a_row_as_cells_follows_the_header():
    row = opendata.OpenVenue(
        1, "Hà Nội", 4, "Phường Thử", "T00001", "Quán", "food", "safe", date(2026, 12, 17)
    )
    cells = row.as_cells(sector_name="Ăn uống", status_name="An toàn")
    assert dict(zip(opendata.VENUE_HEADER, cells, strict=True)) == {
        **row.as_json(sector_name="Ăn uống", status_name="An toàn"),
        "valid_until": date(2026, 12, 17),
    }
