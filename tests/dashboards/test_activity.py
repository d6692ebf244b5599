"""Activity and crowding: the read models equal counting the raw check-ins and declarations on a random world
(by commune, sector, local day and hour; people inside venues now), and the page shows them to whom it may."""

from datetime import date, datetime, timedelta

import pytest
from django.test import Client
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from hypothesis.extra.django import TestCase as HypothesisTestCase

from epiqr.checkins.models import CheckIn, HealthDeclaration
from epiqr.checkins.services import venue_counts_rollup
from epiqr.core.permissions import Role
from epiqr.core.timeutil import VN_TZ, aware, local_today, now, start_of_local_day
from epiqr.dashboards.models import (
    ActivityDayCount,
    DeclarationDayCount,
    ProvinceActivityDayCount,
    VenueOccupancy,
)
from epiqr.dashboards.services import activity_refresh, occupancy_refresh
from tests.factories import PersonFactory, VenueFactory

DAY = date(2026, 11, 20)
# The snapshot moment: 00:20 in Vietnam on the 22nd, past midnight, so "the last hour" spans two local days.
AT = aware(datetime(2026, 11, 22, 0, 20))

checkin_st = st.tuples(
    st.integers(0, 5),  # venue
    st.integers(0, 4),  # person
    st.integers(0, 3 * 24 * 60 - 1),  # minutes after DAY 00:00 local
    st.none() | st.integers(1, 180),  # checked out this many minutes later
)
declaration_st = st.tuples(st.integers(0, 2), st.integers(0, 3 * 24 * 60 - 1), st.booleans())


def _declare(person, commune, at: datetime, flagged: bool) -> None:
    d = HealthDeclaration.objects.create(
        kind="domestic",
        person=person,
        full_name="Người Khai Thử",
        birth_year=1990,
        phone="0911000111",
        commune=commune,
        address="Số 1",
        flagged=flagged,
    )
    HealthDeclaration.objects.filter(pk=d.pk).update(created_at=at)


class TestActivityEqualsTheRawRows(HypothesisTestCase):
    @settings(max_examples=12, deadline=None, suppress_health_check=[HealthCheck.too_slow])
    @given(st.lists(checkin_st, max_size=40), st.lists(declaration_st, max_size=15))
    def test_the_rolled_up_counts_equal_counting_the_check_ins(self, checkins, declarations):
        from epiqr.geo.models import Province
        from epiqr.geo.services import units_load

        if not Province.objects.exists():
            units_load()
        # two communes of Hà Nội and one of another province: the per-province rows group them
        communes = [
            *Province.objects.get(code=1).communes.order_by("code")[:2],
            Province.objects.exclude(code=1).order_by("code").first().communes.order_by("code").first(),
        ]
        CheckIn.objects.all().delete()
        HealthDeclaration.objects.all().delete()
        sectors = ["food", "retail", "food", "school", "food", "health"]
        venues = [
            VenueFactory(commune=communes[i % 3], sector=sectors[i], capacity=[None, 2, 3, 1, 5, 0][i])
            for i in range(6)
        ]
        people = [PersonFactory(commune=communes[0]) for _ in range(5)]
        start = aware(datetime.combine(DAY, datetime.min.time()))
        for v, p, minutes, out in checkins:
            at = start + timedelta(minutes=minutes)
            CheckIn.objects.create(
                venue=venues[v],
                person=people[p],
                checked_in_at=at,
                checked_out_at=None if out is None else at + timedelta(minutes=out),
                method="self",
            )
        for c, minutes, flagged in declarations:
            _declare(people[0], communes[c], start + timedelta(minutes=minutes), flagged)
        days = [DAY + timedelta(days=i) for i in range(3)]
        for d in days:
            venue_counts_rollup(day=d)  # the check-ins domain's own rollup (every 5 minutes)
        activity_refresh(days=set(days))
        occupancy_refresh(at=AT)

        raw: dict = {}
        for c in CheckIn.objects.select_related("venue"):
            local = c.checked_in_at.astimezone(VN_TZ)
            key = (c.venue.commune_id, c.venue.sector, local.date())
            row = raw.setdefault(key, [0, set(), [0] * 24])
            row[0] += 1
            row[1].add(c.venue_id)
            row[2][local.hour] += 1
        stored = {
            (r.commune_id, r.sector, r.day): [r.checkins, r.venues, r.hours]
            for r in ActivityDayCount.objects.all()
        }
        assert stored == {k: [n, len(v), h] for k, (n, v, h) in raw.items()}
        by_province: dict = {}
        for c in CheckIn.objects.select_related("venue__commune"):
            local = c.checked_in_at.astimezone(VN_TZ)
            row = by_province.setdefault(
                (c.venue.commune.province_id, c.venue.sector, local.date()), [0, set(), [0] * 24]
            )
            row[0] += 1
            row[1].add(c.venue_id)
            row[2][local.hour] += 1
        assert {
            (r.province_id, r.sector, r.day): [r.checkins, r.venues, r.hours]
            for r in ProvinceActivityDayCount.objects.all()
        } == {k: [n, len(v), h] for k, (n, v, h) in by_province.items()}

        raw_declared: dict = {}
        for d in HealthDeclaration.objects.all():
            row = raw_declared.setdefault((d.commune_id, d.created_at.astimezone(VN_TZ).date()), [0, 0])
            row[0] += 1
            row[1] += d.flagged
        assert {
            (r.commune_id, r.day): [r.declarations, r.flagged] for r in DeclarationDayCount.objects.all()
        } == raw_declared

        inside: dict = {}
        for c in CheckIn.objects.all():
            if AT - timedelta(hours=1) < c.checked_in_at <= AT and (
                c.checked_out_at is None or c.checked_out_at > AT
            ):
                inside.setdefault(c.venue_id, set()).add(c.person_id)
        assert {r.venue_id: r.people for r in VenueOccupancy.objects.all()} == {
            v: len(p) for v, p in inside.items()
        }
        for r in VenueOccupancy.objects.all():
            venue = next(v for v in venues if v.pk == r.venue_id)
            assert (r.commune_id, r.capacity, r.name) == (venue.commune_id, venue.capacity, venue.name)


@pytest.mark.django_db
def test_the_activity_page_of_an_officer(province_officer, make_user, commune, other_commune):
    today = local_today()
    cafe = VenueFactory(commune=commune, sector="food", capacity=2, name="Quán Đông")
    school = VenueFactory(commune=other_commune, sector="school", capacity=100, name="Trường Vắng")
    people = [PersonFactory(commune=commune) for _ in range(3)]
    moment = max(
        now() - timedelta(minutes=10), start_of_local_day(today)
    )  # today's, even just after midnight
    for p in people:
        CheckIn.objects.create(venue=cafe, person=p, checked_in_at=moment, method="self")
    CheckIn.objects.create(venue=school, person=people[0], checked_in_at=moment, method="self")
    _declare(people[1], commune, moment, True)
    venue_counts_rollup(day=today)
    activity_refresh(days={today})
    occupancy_refresh()

    c = Client()
    c.force_login(province_officer)
    page = c.get("/dashboards/activity/")
    assert page.status_code == 200
    ctx = page.context
    assert ctx["totals"]["checkins"] == 4 and ctx["totals"]["venues_today"] == 2
    assert (ctx["totals"]["declarations"], ctx["totals"]["flagged"]) == (1, 1)
    assert sum(n for _h, n in ctx["hours"]) == 4
    assert ctx["hours"][moment.astimezone(VN_TZ).hour][1] == 4
    assert {r.label: r.checkins for r in ctx["by_commune"]} == {commune.name: 3, other_commune.name: 1}
    by_sector = {r.key: r.checkins for r in ctx["by_sector"]}
    assert by_sector == {"food": 3, "school": 1}
    occupancy = ctx["occupancy"]
    assert (occupancy.people, occupancy.capacity, occupancy.venues) == (4, 102, 2)
    assert [v.name for v in occupancy.rows] == ["Quán Đông", "Trường Vắng"]  # 150% first
    html = page.content.decode()
    assert "Quán Đông" in html and "crowded" in html.lower() or "đông" in html.lower()

    officer = make_user(Role.COMMUNE_OFFICER, commune=other_commune)
    c.force_login(officer)
    mine = c.get("/dashboards/activity/").context
    assert mine["totals"]["checkins"] == 1 and mine["occupancy"].people == 1
    assert [v.name for v in mine["occupancy"].rows] == ["Trường Vắng"]
    assert c.get("/dashboards/activity/", {"commune": commune.pk}).status_code == 404
    assert c.get("/dashboards/activity/", {"commune": "99999999999999999999", "days": "x"}).status_code == 200
