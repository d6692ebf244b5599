"""Which cases count: every confirmed case except one cancelled as opened by mistake. One rule
(cases.selectors.case_list_counted) behind the clusters page and the public risky-venue feed."""

import pytest
from django.test import Client

from epiqr.cases.models import Case, CaseStatus
from epiqr.cases.services import case_cancel
from epiqr.core.permissions import Role
from epiqr.core.timeutil import now
from tests.factories import PASSWORD

pytestmark = pytest.mark.django_db


def clusters_page(user) -> str:
    client = Client()
    assert client.login(username=user.username, password=PASSWORD)
    return client.get("/tracing/clusters/").content.decode()


def feed_venues() -> set[str]:
    page = {e["venue_code"] for e in Client().get("/tracing/feed.json").json()["entries"]}
    api = {e["venue_code"] for e in Client().get("/api/v1/tracing/feed").json()["entries"]}
    assert page == api
    return page


@pytest.fixture
def two_cases(cafe_story, case_of, make_user, geo):
    """An and Dũng, both confirmed, were at the café the same day: a cluster."""
    province = make_user(Role.PROVINCE_OFFICER, province=geo)
    dung = case_of(cafe_story["dung"])
    assert "2 F0" in clusters_page(province)
    return {**cafe_story, "dung_case": dung, "province": province}


def test_a_cancelled_case_leaves_the_clusters_page_and_the_feed(two_cases):
    case_cancel(case=two_cases["dung_case"], reason="Kết quả dương tính nhầm")
    html = clusters_page(two_cases["province"])
    assert "2 F0" not in html and "Cà phê Giảng" not in html
    assert f"/cases/{two_cases['dung_case'].pk}/" not in html
    case_cancel(case=two_cases["case"], reason="Nhầm người")
    assert feed_venues() == set()


@pytest.mark.parametrize("status", [CaseStatus.RECOVERED, CaseStatus.DECEASED])
def test_a_case_that_recovered_or_died_still_counts(two_cases, status):
    Case.objects.filter(pk=two_cases["dung_case"].pk).update(status=status)
    assert "2 F0" in clusters_page(two_cases["province"])
    Case.objects.filter(pk=two_cases["case"].pk).update(status=status)
    assert feed_venues() == {two_cases["cafe"].code}


def test_the_recent_visits_of_cases_read_only_the_cases_whose_period_reaches_the_window(world, visit):
    """f0_visits reads the cases whose infectious period may reach `since` (not a year of cases), and gives
    exactly what clipping the period of every counted case gives: a case confirmed weeks ago but isolated
    only later, or whose end an officer moved, still has its visits inside the window."""
    import random
    from datetime import datetime, time, timedelta

    from epiqr.cases.selectors import case_list_counted, case_period
    from epiqr.cases.services import case_open
    from epiqr.core.timeutil import VN_TZ, local_today
    from epiqr.tracing.clusters import f0_visits
    from tests.factories import PersonFactory

    rng = random.Random(17)
    today = local_today()
    since = datetime.combine(today - timedelta(days=12), time(0, 30), tzinfo=VN_TZ)
    until = datetime.combine(today, time(0, 0), tzinfo=VN_TZ)
    for i in range(40):
        person = PersonFactory(full_name=f"Người thử {i}", commune=world["cafe"].commune)
        confirmed = today - timedelta(days=rng.randint(1, 35))
        kw = {}
        if i % 4 == 1:  # isolated days after confirmation (found late)
            late = confirmed + timedelta(days=rng.randint(1, 30))
            kw["isolated_at"] = datetime.combine(min(late, today - timedelta(days=1)), time(9), VN_TZ)
        case = case_open(person=person, confirmed_on=confirmed, onset_on=confirmed - timedelta(days=2), **kw)
        if i % 4 == 2:  # an officer moved the end
            end = datetime.combine(confirmed + timedelta(days=rng.randint(1, 30)), time(18), VN_TZ)
            type(case).objects.filter(pk=case.pk).update(infectious_until_override=end)
        for d in range(0, 45, 3):  # a visit every third day around the confirmation
            start = datetime.combine(confirmed - timedelta(days=d - 20), time(10), VN_TZ)
            if datetime.combine(today - timedelta(days=19), time(0), VN_TZ) < start < until:  # kept 21 days
                visit(person, world["cafe"], start, start + timedelta(minutes=30))

    def key(pairs):
        return sorted((c.pk, v.checkin_id) for c, v in pairs)

    expected = []
    for case in case_list_counted():
        p = case_period(case=case)
        for c, v in f0_visits(since=min(p.start, since), until=max(p.end, until)):
            if c.pk == case.pk and max(p.start, since) <= v.start <= min(p.end, until):
                expected.append((c, v))
    got = f0_visits(since=since, until=until)
    assert key(got) == key(expected) and len(got) > 10
    late = {c.pk for c, _v in got if c.confirmed_on < since.date() - timedelta(days=1)}
    assert late, "the cases confirmed before the window but infectious into it are there"
    assert case_list_counted(infectious_after=since).count() < case_list_counted().count()


def test_the_public_feed_is_reused_until_a_new_case_or_its_time_is_up(cafe_story, case_of):
    """The feed of now is the whole country's and polled by every phone: computed once and reused for
    FEED_SECONDS; a new case shows at once, a cancellation when the reused answer expires."""
    from django.core.cache import cache

    from epiqr.tracing.clusters import FEED_SECONDS, risky_venue_feed

    assert 30 <= FEED_SECONDS <= 300
    assert feed_venues() == {cafe_story["cafe"].code}
    ha = case_of(cafe_story["ha"])  # Hà was at the market: the market shows at once
    assert feed_venues() == {cafe_story["cafe"].code, cafe_story["market"].code}
    case_cancel(case=ha, reason="Nhầm người")
    assert cafe_story["market"].code in feed_venues()  # the reused answer, for at most FEED_SECONDS
    assert cafe_story["market"].code not in {e["venue_code"] for e in risky_venue_feed(days=14, until=now())}
    cache.clear()  # the time is up
    assert feed_venues() == {cafe_story["cafe"].code}
