"""The levels of every place, paged (core.lists) on /dashboards/levels/ and GET /api/v1/dashboards/levels:
the whole country's 3,321 communes for an administrator, page by page, filtered by province and level, and
never a place outside the reader's jurisdiction."""

from datetime import timedelta

import pytest
from django.test import Client

from epiqr.core.permissions import Role
from epiqr.core.timeutil import local_today, now
from epiqr.dashboards.models import LevelAssessment
from epiqr.geo.models import Commune, Province

pytestmark = pytest.mark.django_db


@pytest.fixture
def country(geo):
    """Today's level of every commune of the country (level 1 to 4 by code, none for codes ending in 0) and of
    every province; one older day too, which the list never shows."""
    today = local_today()
    rows = [
        LevelAssessment(kind="commune", code=c, day=today, level=None if c % 10 == 0 else 1 + c % 4,
                        rate=float(c % 97), policy="qd4800-2021", trigger="daily", computed_at=now())
        for c in Commune.objects.values_list("pk", flat=True)
    ] + [
        LevelAssessment(kind="province", code=p, day=today, level=2, rate=30.0, policy="qd4800-2021",
                        trigger="daily", computed_at=now())
        for p in Province.objects.values_list("pk", flat=True)
    ] + [
        LevelAssessment(kind="commune", code=c, day=today - timedelta(days=3), level=4, rate=999.0,
                        policy="qd4800-2021", trigger="daily", computed_at=now())
        for c in Commune.objects.values_list("pk", flat=True)[:5]
    ]  # fmt: skip
    LevelAssessment.objects.bulk_create(rows)
    return today


def _login(user) -> Client:
    c = Client()
    c.force_login(user)
    return c


def test_an_administrator_pages_through_every_commune_of_the_country(make_user, country):
    admin = _login(make_user(Role.ADMIN))
    total = Commune.objects.count()
    first = admin.get("/dashboards/levels/?page_size=200")
    assert first.status_code == 200
    page = first.context["page"]
    assert page.count == min(total, 10_000) and len(page.items) == 200 and page.has_next
    assert all(r.day == country and r.kind == "commune" for r in page.items)
    levels = [r.level or 0 for r in page.items]
    assert levels == sorted(levels, reverse=True)  # highest level first
    html = first.content.decode()
    assert 'rel="next"' in html and page.items[0].policy
    seen = set()
    api = admin.get("/api/v1/dashboards/levels", {"page_size": 200})
    body = api.json()
    assert body["count"] == total and body["pages"] == -(-total // 200)
    n = 1
    while True:
        seen |= {r["code"] for r in body["items"]}
        if not body["next"]:
            break
        n += 1
        body = admin.get(body["next"]).json()
    assert seen == set(Commune.objects.values_list("pk", flat=True)) and n == body["pages"]


def test_filters_by_province_and_level_and_the_provinces_own_levels(make_user, geo, country):
    admin = _login(make_user(Role.ADMIN))
    body = admin.get("/api/v1/dashboards/levels", {"province": geo.pk, "level": 4, "page_size": 200}).json()
    expected = {c for c in geo.communes.values_list("pk", flat=True) if c % 10 and 1 + c % 4 == 4}
    assert {r["code"] for r in body["items"]} == expected and body["count"] == len(expected)
    none = admin.get(
        "/api/v1/dashboards/levels", {"province": geo.pk, "level": "none", "page_size": 200}
    ).json()
    assert {r["code"] for r in none["items"]} == {
        c for c in geo.communes.values_list("pk", flat=True) if c % 10 == 0
    }
    provinces = admin.get("/api/v1/dashboards/levels", {"kind": "province", "page_size": 200}).json()
    assert provinces["count"] == Province.objects.count()
    one = admin.get("/dashboards/levels/", {"kind": "province", "province": geo.pk})
    assert [r.code for r in one.context["page"].items] == [geo.pk] and geo.name in one.content.decode()


def test_a_province_officer_sees_only_their_province_and_bad_parameters_are_refused(make_user, geo, country):
    officer = _login(make_user(Role.PROVINCE_OFFICER, province=geo))
    body = officer.get("/api/v1/dashboards/levels", {"page_size": 200}).json()
    assert body["count"] == geo.communes.count()
    assert {r["code"] for r in body["items"]} <= set(geo.communes.values_list("pk", flat=True))
    elsewhere = Province.objects.exclude(pk=geo.pk).first()
    refused = officer.get("/api/v1/dashboards/levels", {"province": elsewhere.pk})
    assert refused.status_code == 422 and refused.json()["field"] == "province"
    for bad in ({"page_size": 201}, {"page_size": 0}, {"level": 5}, {"kind": "district"}, {"sort": "name"}):
        assert officer.get("/api/v1/dashboards/levels", bad).status_code == 422, bad
    page = officer.get("/dashboards/levels/", {"level": "seven"})
    assert page.status_code == 400 and "level" in page.context["page"].query.errors
    commune_officer = _login(make_user(Role.COMMUNE_OFFICER, commune=geo.communes.order_by("code").first()))
    mine = commune_officer.get("/api/v1/dashboards/levels").json()
    assert mine["count"] == 1


def test_the_whole_country_dashboard_is_grouped_by_province_and_opens_every_commune(make_user, geo, country):
    admin = _login(make_user(Role.ADMIN))
    home = admin.get("/dashboards/")
    assert home.status_code == 200
    provinces = home.context["provinces"]
    assert {p.province_id for p in provinces} == set(Province.objects.values_list("pk", flat=True))
    assert sum(p.communes for p in provinces) == Commune.objects.count()  # every commune counted once
    assert home.context["rows"] == []
    hanoi = admin.get("/dashboards/", {"province": geo.pk})
    assert {r.commune_id for r in hanoi.context["rows"]} == set(geo.communes.values_list("pk", flat=True))
    assert hanoi.context["area"].label == geo.name and hanoi.context["level"]["row"].kind == "province"
    assert len(hanoi.context["communes"]) == geo.communes.count()
    assert admin.get("/dashboards/", {"province": 999}).status_code == 404
    officer = _login(make_user(Role.PROVINCE_OFFICER, province=geo))
    other = Province.objects.exclude(pk=geo.pk).first()
    assert officer.get("/dashboards/", {"province": other.pk}).status_code == 404
    assert officer.get("/dashboards/").context["provinces"] is None
