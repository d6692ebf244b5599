"""The province officer's epidemic dashboard: what it shows, to whom, and nothing else."""

from datetime import timedelta

import pytest
from django.test import Client

from epiqr.cases.models import Case
from epiqr.core.permissions import Role
from epiqr.core.timeutil import local_today
from epiqr.dashboards.models import LevelAssessment
from epiqr.dashboards.services import (
    active_counts_refresh,
    activity_refresh,
    day_counts_refresh,
    levels_recompute,
    population_set,
)
from tests.dashboards.conftest import make_tube
from tests.factories import PersonFactory

pytestmark = pytest.mark.django_db


@pytest.fixture
def week(commune, other_commune):
    """Commune A (10,000 people): 3 cases this week, 2 tested tubes, one positive; commune B: none."""
    from epiqr.cases.models import Case

    today = local_today()
    for i in range(3):
        Case.objects.create(
            person=PersonFactory(commune=commune),
            confirmed_on=today - timedelta(days=i),
            onset_on=today - timedelta(days=i + 2),
            commune=commune,
        )
    make_tube(commune=commune, day=today, members=1, status="resulted", result="positive")
    make_tube(commune=commune, day=today, members=3, status="resulted", result="negative")
    population_set(commune_id=commune.pk, population=10_000, source="Made-up test figure")
    population_set(commune_id=other_commune.pk, population=20_000)
    day_counts_refresh(days={today - timedelta(days=i) for i in range(14)})
    active_counts_refresh()  # the rows were written straight to the table: the nightly recount
    levels_recompute(day=today)
    return today


def client_for(user) -> Client:
    c = Client()
    c.force_login(user)
    return c


def test_the_province_officer_sees_curve_levels_and_positivity(week, province_officer, commune, geo):
    page = client_for(province_officer).get("/dashboards/")
    assert page.status_code == 200
    html = page.content.decode()
    # 3 cases in 10,000 people: 30 per 100,000 (level 2), coverage unknown: raised to 3
    a = LevelAssessment.objects.get(kind="commune", code=commune.pk, day=week)
    assert a.level == 3 and round(a.rate) == 30
    province = LevelAssessment.objects.get(kind="province", code=geo.pk, day=week)
    assert province.inputs["new_cases"] == 3 and province.inputs["population"] == 30_000
    assert page.context["totals"]["confirmed"] == 3
    assert page.context["totals"]["active"] == 3
    assert page.context["totals"]["samples"] == 4
    assert page.context["totals"]["positivity"] == 25.0
    assert [d.confirmed for d in page.context["curve"]][-3:] == [1, 1, 1]
    assert "QĐ 4800" in html or "4800" in html
    assert f'href="/dashboards/levels/commune/{commune.pk}/"' in html


def test_a_commune_officer_sees_only_their_commune(week, make_user, commune, other_commune):
    officer_b = make_user(Role.COMMUNE_OFFICER, commune=other_commune)
    c = client_for(officer_b)
    page = c.get("/dashboards/")
    assert page.status_code == 200 and page.context["totals"]["confirmed"] == 0
    assert c.get(f"/dashboards/?commune={commune.pk}").status_code == 404
    assert c.get(f"/dashboards/levels/commune/{commune.pk}/").status_code == 404
    assert c.get(f"/dashboards/levels/commune/{other_commune.pk}/").status_code == 200


def test_the_level_history_gives_the_reasons(week, province_officer, commune):
    page = client_for(province_officer).get(f"/dashboards/levels/commune/{commune.pk}/")
    assert page.status_code == 200
    reasons = page.context["rows"][0]["reasons"]
    assert len(reasons) == 3 and "30" in reasons[0]
    assert "khả năng điều trị" in reasons[2]  # criterion 3: no bed on record, not counted as failing


def test_recompute_on_demand_is_for_the_province_officer(week, province_officer, make_user, commune):
    officer = make_user(Role.COMMUNE_OFFICER, commune=commune)
    assert client_for(officer).post("/dashboards/levels/recompute/").status_code == 403
    LevelAssessment.objects.all().delete()
    response = client_for(province_officer).post("/dashboards/levels/recompute/")
    assert response.status_code == 302
    assert LevelAssessment.objects.filter(trigger="on_demand", kind="commune", code=commune.pk).exists()


def test_a_hotline_operator_or_owner_has_no_dashboard(make_user, geo):
    for role in (Role.HOTLINE_OPERATOR, Role.VENUE_OWNER):
        assert client_for(make_user(role, province=geo)).get("/dashboards/").status_code == 403


@pytest.mark.parametrize(
    "query", ["?commune=abc", "?commune=99999999999999999999999", "?days=-5", "?days=x", "?commune=0"]
)
def test_odd_addresses_are_a_clear_answer_not_a_crash(province_officer, query):
    status = client_for(province_officer).get(f"/dashboards/{query}").status_code
    assert status in (200, 404)


def test_history_of_an_unknown_kind_is_404(province_officer):
    assert client_for(province_officer).get("/dashboards/levels/district/1/").status_code == 404


def test_activity_counts_check_ins_of_the_area_only(province_officer, make_user, commune, other_commune):
    from epiqr.checkins.models import VenueDailyCount
    from tests.factories import VenueFactory

    today = local_today()
    a, b = VenueFactory(commune=commune), VenueFactory(commune=other_commune)
    VenueDailyCount.objects.create(venue=a, day=today, checkins=30, people=25)
    VenueDailyCount.objects.create(venue=b, day=today, checkins=12, people=10)
    VenueDailyCount.objects.create(venue=b, day=today - timedelta(days=1), checkins=5, people=5)
    activity_refresh(days={today, today - timedelta(days=1)})  # every 5 minutes (dashboards.now)
    page = client_for(province_officer).get("/dashboards/")
    last = page.context["activity"][-1]
    assert (last.checkins, last.venues) == (42, 2) and page.context["activity"][-2].checkins == 5
    officer_a = make_user(Role.COMMUNE_OFFICER, commune=commune)
    mine = client_for(officer_a).get("/dashboards/").context["activity"]
    assert (mine[-1].checkins, mine[-2].checkins) == (30, 0)


def test_contacts_in_quarantine_now_by_commune(province_officer, commune, other_commune):
    from epiqr.core.timeutil import now
    from epiqr.tracing.models import Contact, FollowUp, TracingRun

    case = Case.objects.create(
        person=PersonFactory(commune=commune), confirmed_on=local_today(), commune=commune
    )
    run = TracingRun.objects.create(case=case, degree=1, period_start=now(), period_end=now())
    twice = PersonFactory(commune=commune)
    second_run = TracingRun.objects.create(case=case, degree=1, period_start=now(), period_end=now())
    for person, where, days_ago, status in (
        (twice, commune, 2, FollowUp.QUARANTINED),
        (PersonFactory(commune=commune), commune, 20, FollowUp.QUARANTINED),  # over: 14 days
        (PersonFactory(commune=other_commune), other_commune, 1, FollowUp.QUARANTINED),
        (PersonFactory(commune=other_commune), other_commune, 1, FollowUp.TO_CALL),
    ):
        Contact.objects.create(
            run=run, person=person, degree=1, risk="high", first_exposed_at=now() - timedelta(days=days_ago + 1),
            commune=where, status=status, status_changed_at=now() - timedelta(days=days_ago),
        )  # fmt: skip
    Contact.objects.create(
        run=second_run, person=twice, degree=1, risk="high", first_exposed_at=now() - timedelta(days=2),
        commune=commune, status=FollowUp.QUARANTINED, status_changed_at=now() - timedelta(days=1),
    )  # fmt: skip
    page = client_for(province_officer).get("/dashboards/")
    rows = {r.commune_id: r.quarantined for r in page.context["rows"]}
    assert rows[commune.pk] == 1 and rows[other_commune.pk] == 1  # one person once, however many runs
    assert page.context["totals"]["quarantined"] == 2
