"""/api/v1/dashboards/: the panels' numbers as JSON, in the caller's jurisdiction, with the documented
statuses (401 without a token, 403 without the capability, 404 outside the jurisdiction, 422 bad days)."""

from datetime import timedelta

import pytest

from epiqr.cases.models import Case
from epiqr.core.permissions import Role
from epiqr.core.timeutil import local_today
from epiqr.dashboards.api import DashboardMapOut
from epiqr.dashboards.services import (
    active_counts_refresh,
    day_counts_refresh,
    levels_recompute,
    population_set,
)
from epiqr.geo.models import Commune
from tests.factories import PersonFactory

pytestmark = pytest.mark.django_db


@pytest.fixture
def week(commune, other_commune):
    today = local_today()
    for i in range(3):
        Case.objects.create(
            person=PersonFactory(commune=commune), commune=commune, confirmed_on=today - timedelta(days=i)
        )
    day_counts_refresh(days={today - timedelta(days=i) for i in range(14)})
    active_counts_refresh()
    population_set(commune_id=commune.pk, population=10_000)
    population_set(commune_id=other_commune.pk, population=20_000)
    levels_recompute(day=today)
    return today


def test_the_curve_levels_and_map_of_a_province_officer(api_client, make_user, geo, commune, week):
    api = api_client(make_user(Role.PROVINCE_OFFICER, province=geo))
    curve = api.get("/api/v1/dashboards/curve").json()
    assert len(curve) == 14 and sum(d["confirmed"] for d in curve) == 3
    assert curve[-1]["day"] == week.isoformat()
    one = api.get(
        "/api/v1/dashboards/curve", {"commune": commune.pk, "since": (week - timedelta(days=1)).isoformat()}
    )
    assert [d["confirmed"] for d in one.json()] == [1, 1]
    levels = {r["code"]: r for r in api.get("/api/v1/dashboards/levels").json()["items"]}
    assert levels[commune.pk]["level"] == 3 and levels[commune.pk]["reasons"]
    provinces = api.get("/api/v1/dashboards/levels", {"kind": "province"}).json()["items"]
    assert [r["code"] for r in provinces] == [geo.pk]
    history = api.get(f"/api/v1/dashboards/levels/commune/{commune.pk}").json()
    assert [r["day"] for r in history] == [week.isoformat()]
    data = api.get("/api/v1/dashboards/map").json()
    assert len(data["communes"]) == geo.communes.count()
    # encoded without the schema's validation: it must still be exactly what the schema documents
    assert DashboardMapOut.model_validate(data).model_dump(mode="json") == data
    assert {c["code"]: c["level"] for c in data["communes"]}[commune.pk] == 3
    for path in ("/activity", "/activity/hours", "/occupancy", "/deployment"):
        assert api.get(f"/api/v1/dashboards{path}").status_code == 200, path


def test_the_documented_refusals(api_client, make_user, client, geo, commune, other_commune, week):
    assert client.get("/api/v1/dashboards/curve").status_code == 401
    lab = api_client(make_user(Role.LAB_TECH, commune=commune))
    assert lab.get("/api/v1/dashboards/curve").status_code == 403
    assert lab.get("/api/v1/dashboards/levels").status_code == 403
    officer = api_client(make_user(Role.COMMUNE_OFFICER, commune=commune))
    assert [r["code"] for r in officer.get("/api/v1/dashboards/levels").json()["items"]] == [commune.pk]
    assert officer.get("/api/v1/dashboards/curve", {"commune": other_commune.pk}).status_code == 404
    assert officer.get(f"/api/v1/dashboards/levels/commune/{other_commune.pk}").status_code == 404
    elsewhere = Commune.objects.exclude(province=geo).first()
    province = api_client(make_user(Role.PROVINCE_OFFICER, province=geo))
    assert province.get("/api/v1/dashboards/occupancy", {"commune": elsewhere.pk}).status_code == 404
    later = province.get("/api/v1/dashboards/curve", {"since": "2026-12-05", "until": "2026-12-01"})
    assert later.status_code == 422 and later.json()["field"] == "since"
    assert (
        province.get("/api/v1/dashboards/curve", {"since": "2020-01-01", "until": "2026-01-01"}).status_code
        == 422
    )
    assert province.get("/api/v1/dashboards/curve", {"since": "0"}).status_code == 422
    assert province.get("/api/v1/dashboards/levels", {"kind": "district"}).status_code == 422
