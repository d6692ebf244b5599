"""Vaccination coverage: the dashboards' copy equals counting the raw doses on a random world, the level
uses adult coverage (criterion 2 of QĐ 4800), and the care panel appears when that domain offers it."""

from datetime import datetime, timedelta

import pytest
from django.test import Client
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from hypothesis.extra.django import TestCase as HypothesisTestCase

from epiqr.core.timeutil import aware, local_today
from epiqr.dashboards import selectors
from epiqr.dashboards.models import CoverageCount, LevelAssessment
from epiqr.dashboards.services import coverage_refresh, levels_recompute, population_set
from epiqr.vaccination.models import Dose
from tests.factories import PersonFactory

YEAR = local_today().year


def _dose(person, number: int, days_ago: int = 30) -> None:
    Dose.objects.create(
        person=person,
        number=number,
        series_doses=2,
        product="AZ",
        given_at=aware(datetime.combine(local_today() - timedelta(days=days_ago), datetime.min.time()))
        + timedelta(hours=9),
        source="station",
        schedule="primary",
    )


def _band(age: int | None) -> str:
    if age is None:
        return "?"
    return next(
        b
        for lo, hi, b in (
            (0, 11, "0-11"),
            (12, 17, "12-17"),
            (18, 49, "18-49"),
            (50, 64, "50-64"),
            (65, 200, "65+"),
        )
        if lo <= age <= hi
    )


class TestCoverageEqualsTheRawDoses(HypothesisTestCase):
    @settings(max_examples=12, deadline=None, suppress_health_check=[HealthCheck.too_slow])
    @given(
        st.lists(
            st.tuples(
                st.integers(0, 2),  # commune
                st.none() | st.integers(0, 90),  # age
                st.integers(0, 3),  # doses
            ),
            max_size=25,
        )
    )
    def test_the_copy_counts_people_and_doses_by_commune_and_band(self, people):
        from epiqr.geo.models import Province
        from epiqr.geo.services import units_load
        from epiqr.people.models import Person

        if not Province.objects.exists():
            units_load()
        communes = list(Province.objects.get(code=1).communes.order_by("code")[:3])
        Dose.objects.all().delete()
        Person.objects.all().delete()
        expected: dict = {}
        for ci, age, doses in people:
            p = PersonFactory(commune=communes[ci], birth_year=None if age is None else YEAR - age)
            for n in range(1, doses + 1):
                _dose(p, n, days_ago=40 - n)
            row = expected.setdefault((communes[ci].pk, _band(age)), [0, 0, 0, 0])
            row[0] += 1
            for n in (1, 2, 3):
                row[n] += doses >= n
        coverage_refresh()
        stored = {
            (r.commune_id, r.band): [r.people, r.dose1, r.dose2, r.dose3] for r in CoverageCount.objects.all()
        }
        assert stored == expected


pytestmark = pytest.mark.django_db


def test_adult_coverage_decides_criterion_2(commune, other_commune):
    """Two communes of 10,000 with no case: A's adults are 80% covered (level 1), B's 50% (raised to 2)."""
    for commune_, covered in ((commune, 8), (other_commune, 5)):
        for i in range(10):
            person = PersonFactory(commune=commune_, birth_year=YEAR - 30)
            if i < covered:
                _dose(person, 1)
        PersonFactory(commune=commune_, birth_year=YEAR - 10)  # children do not count
        population_set(commune_id=commune_.pk, population=10_000)
    today = local_today()
    levels_recompute(day=today)
    a = LevelAssessment.objects.get(kind="commune", code=commune.pk, day=today)
    b = LevelAssessment.objects.get(kind="commune", code=other_commune.pk, day=today)
    assert (a.level, a.inputs["adult_coverage"]) == (1, 0.8)
    assert (b.level, b.inputs["adult_coverage"]) == (2, 0.5)
    assert [r["code"] for r in b.reasons] == ["rate", "coverage_low", "capacity_unknown"]
    province = LevelAssessment.objects.get(kind="province", code=commune.province_id, day=today)
    assert province.inputs["adult_coverage"] == 0.65 and province.level == 2
    population_set(commune_id=other_commune.pk, population=10_000, adults=5)  # the adults on record
    levels_recompute(day=today)
    b = LevelAssessment.objects.get(kind="commune", code=other_commune.pk, day=today)
    assert (b.level, b.inputs["adult_coverage"]) == (1, 1.0)


def test_the_coverage_panel_and_the_care_panel(province_officer, commune, monkeypatch):
    c = Client()
    c.force_login(province_officer)
    page = c.get("/dashboards/")
    assert page.context["coverage"] == [] and 'id="coverage"' not in page.content.decode()
    # The care domain is installed: its selectors feed the panel, empty while it has no facility.
    assert selectors.care_selectors().__name__ == "epiqr.care.selectors"
    assert (page.context["care"].total, page.context["care"].beds) == (0, [])
    for i in range(4):
        person = PersonFactory(commune=commune, birth_year=YEAR - 40)
        if i < 3:
            _dose(person, 1)
    coverage_refresh()
    rows = {r.band: r for r in c.get("/dashboards/").context["coverage"]}
    assert (rows["18-49"].people, rows["18-49"].dose1, rows["18+"].dose1_percent) == (4, 3, 75.0)

    class FakeCare:
        @staticmethod
        def capacity_by_province_tier(*, user):
            return [
                {
                    "province_id": 1,
                    "province": "Hà Nội",
                    "tier": "2",
                    "kind": "icu",
                    "total": 10,
                    "occupied": 7,
                    "reserved": 1,
                    "free": 2,
                }
            ]

        @staticmethod
        def patient_counts_by_setting(*, user):
            return {"home": 5, "admitted": 3}

    monkeypatch.setattr(selectors, "care_selectors", lambda: FakeCare)
    page = c.get("/dashboards/")
    assert page.context["care"].free == 2 and page.context["care"].total == 10
    assert sorted(n for _label, n in page.context["care"].by_setting) == [3, 5]
    assert 'id="care"' in page.content.decode()
