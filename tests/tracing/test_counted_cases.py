"""Which cases count: every confirmed case except one cancelled as opened by mistake. One rule
(cases.selectors.case_list_counted) behind the clusters page and the public risky-venue feed."""

import pytest
from django.test import Client

from epiqr.cases.models import Case, CaseStatus
from epiqr.cases.services import case_cancel
from epiqr.core.permissions import Role
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
