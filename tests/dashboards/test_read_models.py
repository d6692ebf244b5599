"""The read models kept current by the cases domain's events (CommuneActiveCount, and the per-province
ProvinceDayCount written with CommuneDayCount) equal counting the raw rows after a random sequence of
cases opened, cancelled and ended, in communes of two provinces; the pages read them."""

from collections import Counter
from datetime import timedelta

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from hypothesis.extra.django import TestCase as HypothesisTestCase

from epiqr.cases.models import Case, CaseStatus
from epiqr.cases.services import case_cancel, case_end, case_open
from epiqr.core.timeutil import local_today
from epiqr.dashboards.models import CommuneActiveCount, ProvinceDayCount
from epiqr.dashboards.services import active_counts_refresh
from tests.factories import PersonFactory

# ("open", commune index, days ago, onset days before or None) | ("cancel"/"recovered"/"deceased", which case)
step_st = st.one_of(
    st.tuples(st.just("open"), st.integers(0, 2), st.integers(0, 6), st.none() | st.integers(0, 3)),
    st.tuples(st.sampled_from(["cancel", "recovered", "deceased"]), st.integers(0, 30)),
)


def _communes():
    from epiqr.geo.models import Province
    from epiqr.geo.services import units_load

    if not Province.objects.exists():
        units_load()
    return [
        *Province.objects.get(code=1).communes.order_by("code")[:2],
        Province.objects.exclude(code=1).order_by("code").first().communes.order_by("code").first(),
    ]


def raw_active() -> dict[int, int]:
    """Active cases per commune, counted on the raw table."""
    return dict(Counter(Case.objects.filter(status=CaseStatus.ACTIVE).values_list("commune_id", flat=True)))


def raw_by_province() -> dict:
    """Cases that count (not cancelled) by province and day of confirmation and of onset."""
    out: dict = {}
    for c in Case.objects.exclude(status=CaseStatus.CLOSED).select_related("commune"):
        p = c.commune.province_id
        out.setdefault((p, c.confirmed_on), [0, 0])[0] += 1
        if c.onset_on:
            out.setdefault((p, c.onset_on), [0, 0])[1] += 1
    return out


class TestReadModelsFollowTheEvents(HypothesisTestCase):
    @settings(max_examples=15, deadline=None, suppress_health_check=[HealthCheck.too_slow])
    @given(st.lists(step_st, max_size=20))
    def test_the_read_models_equal_counting_the_raw_rows(self, steps):
        communes = _communes()
        today = local_today()
        opened: list[Case] = []
        for step in steps:
            with self.captureOnCommitCallbacks(execute=True):  # the events are delivered after commit
                if step[0] == "open":
                    _, ci, ago, onset = step
                    confirmed = today - timedelta(days=ago)
                    opened.append(
                        case_open(
                            person=PersonFactory(commune=communes[ci]),
                            confirmed_on=confirmed,
                            onset_on=None if onset is None else confirmed - timedelta(days=onset),
                        )
                    )
                elif opened:
                    case = opened[step[1] % len(opened)]
                    case.refresh_from_db()
                    if case.status != CaseStatus.ACTIVE:
                        continue
                    if step[0] == "cancel":
                        case_cancel(case=case, reason="Kết quả bị đính chính")
                    else:
                        case_end(case=case, outcome=step[0])
            stored = {r.commune_id: r.active for r in CommuneActiveCount.objects.filter(active__gt=0)}
            assert stored == raw_active()
        provinces = {
            (r.province_id, r.day): [r.confirmed, r.onset]
            for r in ProvinceDayCount.objects.all()
            if r.confirmed or r.onset
        }
        assert provinces == raw_by_province()
        active_counts_refresh()  # the nightly recount of every commune agrees with the events' recounts
        assert {r.commune_id: r.active for r in CommuneActiveCount.objects.all()} == raw_active()


@pytest.mark.django_db(transaction=True)
def test_the_dashboard_shows_active_cases_from_the_read_model(geo, commune, province_officer):
    """Minh's case opens: the dashboard's active count is 1 at once (the event, not a count per page); he
    recovers: 0."""
    from django.test import Client

    minh = PersonFactory(full_name="Trần Văn Minh", commune=commune)
    case = case_open(person=minh, confirmed_on=local_today())
    client = Client()
    client.force_login(province_officer)
    assert client.get("/dashboards/").context["totals"]["active"] == 1
    case_end(case=case, outcome=CaseStatus.RECOVERED)
    page = client.get("/dashboards/")
    assert page.context["totals"]["active"] == 0 and page.context["totals"]["confirmed"] == 1
