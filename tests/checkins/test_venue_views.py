"""What venue owners, staff and officers see: own venues only, counts and times (never who), aggregates."""

from datetime import timedelta

import pytest
from django.utils import timezone

from epiqr.checkins.models import CheckIn, VenueDailyCount
from epiqr.checkins.services import venue_counts_rollup
from epiqr.core.permissions import Role
from epiqr.core.timeutil import local_today, start_of_local_day
from tests.factories import PersonFactory


@pytest.fixture
def visits(venue, other_venue):
    now = timezone.now()
    midnight = start_of_local_day(local_today())  # just after midnight "a minute ago" is yesterday
    t1, t2 = max(now - timedelta(minutes=1), midnight), max(now - timedelta(minutes=2), midnight)
    alice, bob, carol = (
        PersonFactory(full_name="Khách Của Tôi"),
        PersonFactory(),
        PersonFactory(full_name="Khách Quán Khác"),
    )
    rows = [
        CheckIn(venue=venue, person=alice, checked_in_at=t1, method="self"),
        CheckIn(venue=venue, person=bob, checked_in_at=t2, method="staff"),
        CheckIn(venue=other_venue, person=carol, checked_in_at=t1, method="self"),
        CheckIn(venue=venue, person=bob, checked_in_at=now - timedelta(days=2), method="self"),
    ]
    CheckIn.objects.bulk_create(rows)
    return rows


def test_owner_sees_the_times_of_own_visits_never_who_nor_another_venues(
    client, owner, venue, other_venue, visits
):
    client.force_login(owner)
    page = client.get(f"/checkins/venues/{venue.pk}/visitors").content.decode()
    table = page.split('id="visitors"')[1]
    assert table.count("<tr><td>") == 2  # today's two visits of this venue, by time
    for person in {v.person for v in visits}:
        assert person.full_name not in page and person.phone not in page
    assert client.get(f"/checkins/venues/{other_venue.pk}/visitors").status_code == 403
    assert client.get(f"/checkins/venues/{other_venue.pk}/").status_code == 403
    assert client.get(f"/checkins/station/{other_venue.pk}/").status_code == 403


def test_officer_and_staff_do_not_get_visitor_identities(client, make_user, commune, venue, visits):
    client.force_login(make_user(Role.COMMUNE_OFFICER, commune=commune))
    assert client.get(f"/checkins/venues/{venue.pk}/visitors").status_code == 403
    client.force_login(make_user(Role.VENUE_STAFF, org_kind="venue", org_id=venue.pk))
    assert client.get(f"/checkins/venues/{venue.pk}/visitors").status_code == 403
    assert client.get(f"/checkins/venues/{venue.pk}/").status_code == 200


def test_dashboard_hourly_occupancy_and_recent_days(client, owner, venue, visits):
    client.force_login(owner)
    venue_counts_rollup(day=local_today() - timedelta(days=2))
    page = client.get(f"/checkins/venues/{venue.pk}/")
    html = page.content.decode()
    assert page.status_code == 200
    assert 'id="today-total">2<' in html
    assert 'id="occupancy">2 / 20' in html
    recent = page.context["recent"]
    assert [d.checkins for d in recent if d.day == local_today() - timedelta(days=2)] == [1]


def test_rollup_counts_checkins_people_and_hours(venue, visits):
    day = local_today()
    venue_counts_rollup(day=day)
    row = VenueDailyCount.objects.get(venue=venue, day=day)
    assert (row.checkins, row.people, sum(row.hours)) == (2, 2, 2)
    venue_counts_rollup(day=day)  # recomputing replaces, never adds
    assert VenueDailyCount.objects.get(venue=venue, day=day).checkins == 2


def test_officer_sees_venues_with_scans_today(client, make_user, commune, other_commune, venue, visits):
    from tests.factories import VenueFactory

    far = VenueFactory(commune=other_commune, name="Quán Xa")
    CheckIn.objects.create(venue=far, person=PersonFactory(), checked_in_at=timezone.now(), method="self")
    client.force_login(make_user(Role.COMMUNE_OFFICER, commune=commune))
    html = client.get("/checkins/officer/").content.decode()
    assert venue.name in html and "Quán Xa" not in html


def test_rotating_screen_page(client, owner, venue):
    client.force_login(owner)
    r = client.get(f"/checkins/venues/{venue.pk}/screen")
    assert r.status_code == 200 and "<svg" in r.content.decode()
    assert r.context["url"].split("/v/")[1].rpartition(".")[0].count("-") == 2  # a rotating token
