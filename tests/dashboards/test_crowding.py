"""The dashboard's crowding view: the crowd cameras' counts next to the check-ins, in the officer's
jurisdiction only, counts and never a frame."""

from datetime import timedelta

import pytest
from django.test import Client

from epiqr.cameras.models import Camera, CrowdCount
from epiqr.core.permissions import Role
from epiqr.core.timeutil import now

pytestmark = pytest.mark.django_db


@pytest.fixture
def market(commune):
    """A crowd camera at a market of commune A: 12 then 30 then 34 people, hours apart (threshold 25)."""
    camera = Camera.objects.create(
        code="cho-a", name="Chợ phường A", kind="crowd", commune=commune, threshold=25
    )
    for hours_ago, people in ((3, 12), (2, 30), (1, 34)):
        CrowdCount.objects.create(camera=camera, at=now() - timedelta(hours=hours_ago), people=people)
    CrowdCount.objects.create(camera=camera, at=now() - timedelta(hours=30), people=90)  # yesterday: left out
    return camera


def _page(user, query=""):
    c = Client()
    c.force_login(user)
    return c.get("/dashboards/" + query)


def test_the_commune_officer_sees_where_the_street_is_crowded(market, make_user, commune):
    page = _page(make_user(Role.COMMUNE_OFFICER, commune=commune))
    assert page.status_code == 200
    (row,) = page.context["crowding"]
    assert (row.name, row.latest, row.highest, row.threshold) == ("Chợ phường A", 34.0, 34, 25)
    assert (row.hours_above, row.hours) == (2, 3)
    html = page.content.decode()
    assert 'id="crowding"' in html and "Chợ phường A" in html
    assert html.index('id="activity"') < html.index('id="crowding"')  # next to the check-ins


def test_a_commune_elsewhere_sees_no_camera_of_another(market, make_user, other_commune, geo, commune):
    page = _page(make_user(Role.COMMUNE_OFFICER, commune=other_commune))
    assert page.context["crowding"] == [] and 'id="crowding"' not in page.content.decode()
    province = make_user(Role.PROVINCE_OFFICER, province=geo)
    assert [r.camera for r in _page(province).context["crowding"]] == ["cho-a"]
    assert _page(province, f"?commune={other_commune.pk}").context["crowding"] == []
