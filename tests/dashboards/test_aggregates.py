"""The pre-aggregated counts equal counting the raw rows, on a random world, and follow new data."""

from datetime import date, timedelta

import pytest
from django.db.models import Count, Q, Sum
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from hypothesis.extra.django import TestCase as HypothesisTestCase

from epiqr.cases.models import Case, CaseStatus
from epiqr.cases.services import case_cancel, case_open
from epiqr.core.timeutil import local_today
from epiqr.dashboards.models import CommuneDayCount
from epiqr.dashboards.services import day_counts_refresh
from epiqr.testing.models import Tube
from tests.dashboards.conftest import make_tube
from tests.factories import PersonFactory

START = date(2026, 11, 1)
DAYS = 10

case_st = st.tuples(
    st.integers(0, 2),  # commune index
    st.integers(0, DAYS - 1),  # confirmation day
    st.none() | st.integers(0, 3),  # onset this many days before
    st.sampled_from([s.value for s in CaseStatus]),
)
tube_st = st.tuples(
    st.integers(0, 2),
    st.integers(0, DAYS - 1),
    st.integers(1, 10),  # members
    st.sampled_from(["closed", "resulted"]),
    st.sampled_from(["", "positive", "negative"]),
)


def raw_counts(communes) -> dict:
    """What a person counting the raw rows would write down, per (commune, day)."""
    out: dict = {}
    counted = Case.objects.exclude(status=CaseStatus.CLOSED)
    for c in communes:
        for i in range(-3, DAYS):
            d = START + timedelta(days=i)
            tubes = Tube.objects.filter(session__site__commune=c, session__day=d)
            agg = tubes.aggregate(
                s=Sum("member_count"),
                r=Sum("member_count", filter=Q(status="resulted")),
                p=Count("id", filter=Q(result="positive", member_count=1)),
            )
            row = (
                counted.filter(commune=c, confirmed_on=d).count(),
                counted.filter(commune=c, onset_on=d).count(),
                agg["s"] or 0,
                agg["r"] or 0,
                agg["p"],
            )
            if any(row):
                out[(c.pk, d)] = row
    return out


def stored_counts() -> dict:
    return {
        (r.commune_id, r.day): (r.confirmed, r.onset, r.samples, r.resulted, r.positives)
        for r in CommuneDayCount.objects.all()
    }


class TestRandomWorld(HypothesisTestCase):
    @settings(max_examples=15, deadline=None, suppress_health_check=[HealthCheck.too_slow])
    @given(st.lists(case_st, max_size=25), st.lists(tube_st, max_size=25))
    def test_the_counts_equal_counting_the_raw_rows(self, cases, tubes):
        from epiqr.geo.models import Province
        from epiqr.geo.services import units_load

        if not Province.objects.exists():
            units_load()
        communes = list(Province.objects.get(code=1).communes.order_by("code")[:3])
        for ci, day, onset_before, status in cases:
            confirmed = START + timedelta(days=day)
            Case.objects.create(
                person=PersonFactory(commune=communes[ci]),
                confirmed_on=confirmed,
                onset_on=None if onset_before is None else confirmed - timedelta(days=onset_before),
                status=status,
                commune=communes[ci],
            )
        for ci, day, members, status, result in tubes:
            make_tube(
                commune=communes[ci],
                day=START + timedelta(days=day),
                members=members,
                status=status,
                result=result if status == "resulted" else "",
            )
        day_counts_refresh(days={START + timedelta(days=i) for i in range(-3, DAYS)})
        assert stored_counts() == raw_counts(communes)


@pytest.mark.django_db(transaction=True)
def test_a_new_case_and_its_cancellation_show_at_once(geo, commune):
    """Lan's case is opened: today's count of her commune is 1 without waiting for the night; the case
    was a mistake and is cancelled: the count is 0 again."""
    today = local_today()
    lan = PersonFactory(full_name="Đỗ Thị Lan", commune=commune)
    case = case_open(person=lan, confirmed_on=today, onset_on=today - timedelta(days=2))
    row = CommuneDayCount.objects.get(commune=commune, day=today)
    assert (row.confirmed, row.onset) == (1, 0)
    assert CommuneDayCount.objects.get(commune=commune, day=today - timedelta(days=2)).onset == 1
    case_cancel(case=case, reason="Kết quả dương tính bị đính chính")
    assert not CommuneDayCount.objects.filter(commune=commune, confirmed__gt=0).exists()
    assert not CommuneDayCount.objects.filter(commune=commune, onset__gt=0).exists()


@pytest.mark.django_db(transaction=True)
def test_a_recorded_result_shows_in_the_tests_and_positivity(geo, commune, make_user):
    from epiqr.core.permissions import Role
    from epiqr.testing.services import result_record

    lab = make_user(Role.LAB_TECH, province=geo)
    day = local_today()
    tube = make_tube(commune=commune, day=day, members=1, status="received")
    result_record(tube=tube, value="negative", actor=lab)
    row = CommuneDayCount.objects.get(commune=commune, day=day)
    assert (row.samples, row.resulted, row.positives) == (1, 1, 0)
