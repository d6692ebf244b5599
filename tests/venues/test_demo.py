"""The demo world's venues: enough of them, in every sector, and wired to the demo accounts."""

import random

import pytest

from epiqr.core.demo import DEMO_PASSWORD
from epiqr.venues import codes, selectors
from epiqr.venues.models import Sector, Venue


@pytest.mark.django_db
def test_demo_venues(geo):
    from epiqr.accounts import demo as accounts_demo
    from epiqr.venues import demo

    world = {"rng": random.Random(7), "scale": 0.5, "logins": [], "password": DEMO_PASSWORD}
    accounts_demo.populate(world)
    demo.populate(world)

    venues = list(Venue.objects.all())
    assert len(venues) == len(world["venues"]) >= 150
    assert all(v.pk for v in world["venues"])
    assert {v.sector for v in venues} == set(Sector.values)
    assert sum(v.commune_id == world["home_commune"].code for v in venues) > len(venues) / 3
    assert all(codes.code_is_well_formed(v.code) for v in venues)
    assert all(v.commune.province_id == 1 for v in venues)
    events = [v for v in venues if v.sector == Sector.EVENT]
    assert events and all(v.starts_at < v.ends_at for v in events)

    owner = world["users"]["demo-chu-quan"]
    own = list(selectors.venue_list_visible_to(user=owner))
    assert 3 <= len(own) <= 10
    staff = world["users"]["demo-nhan-vien"]
    staff.refresh_from_db()
    assert [v.pk for v in selectors.venue_list_visible_to(user=staff)] == [staff.org_id]
    assert staff.org_id in {v.pk for v in own}
