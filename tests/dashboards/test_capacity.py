"""Criterion 3 of the level (treatment capacity) computed by the levels service from the care domain's beds:
a province whose beds fail the criterion keeps its communes at their level when their cases fall."""

from datetime import timedelta

import pytest
from django.utils import translation

from epiqr.care.models import BedPool, Facility
from epiqr.core.timeutil import local_today, now
from epiqr.dashboards.models import AreaPopulation, CommuneDayCount, LevelAssessment
from epiqr.dashboards.presenting import reason_text
from epiqr.dashboards.services import levels_recompute, population_set


@pytest.fixture
def commune(geo):
    """A commune of a province with no treatment facility on record (a world built by other tests, the
    demo's, may hold beds in Hà Nội), the only population on record."""
    from epiqr.geo.models import Commune

    taken = Facility.objects.values("commune__province_id")
    return Commune.objects.exclude(province_id__in=taken).order_by("province_id", "code").first()


@pytest.fixture
def other_commune(commune):
    from epiqr.geo.models import Commune

    return (
        Commune.objects.filter(province_id=commune.province_id)
        .exclude(pk=commune.pk)
        .order_by("code")
        .first()
    )


def _only_population(commune, people):
    AreaPopulation.objects.all().delete()
    population_set(commune_id=commune.pk, population=people)


def _yesterday_level_4(commune):
    LevelAssessment.objects.create(
        kind="commune", code=commune.pk, day=local_today() - timedelta(days=1), level=4, rate=200.0,
        policy="qd4800-2021", trigger="daily", computed_at=now(),
    )  # fmt: skip


def _beds(commune, *, normal_total, normal_used, icu):
    facility = Facility.objects.create(name="Bệnh viện dã chiến số 1", tier=2, commune=commune, latitude=21.0,
                                       longitude=105.8)  # fmt: skip
    BedPool.objects.create(facility=facility, kind="normal", total=normal_total, occupied=normal_used)
    BedPool.objects.create(facility=facility, kind="icu", total=icu)
    return facility


def test_a_commune_whose_province_lacks_icu_beds_is_not_lowered(commune):
    """Phường A (100,000 people, the only population on record in its province) was level 4 yesterday; this week's
    25 cases would make it level 3 (25 per 100,000 is level 2, raised by one for unreported coverage). Its
    province has 2 ICU beds (2 per 100,000, under the deployment's 4): it stays at 4, and the page says
    why, naming the thresholds as the deployment's."""
    _only_population(commune, 100_000)
    CommuneDayCount.objects.create(commune=commune, day=local_today(), confirmed=25)
    _yesterday_level_4(commune)
    _beds(commune, normal_total=100, normal_used=20, icu=2)
    levels_recompute(day=local_today())
    row = LevelAssessment.objects.get(kind="commune", code=commune.pk, day=local_today())
    codes = [r["code"] for r in row.reasons]
    assert row.level == 4 and codes[-2:] == ["capacity_failed", "capacity_kept"]
    assert row.inputs["capacity_ok"] is False
    failed = next(r for r in row.reasons if r["code"] == "capacity_failed")
    assert (failed["icu"], failed["free"]) == (2.0, 80.4)  # 82 free (80 normal, 2 ICU) of 102 beds
    with translation.override("en"):
        assert "set by this deployment" in reason_text(failed)
    province = LevelAssessment.objects.get(kind="province", code=commune.province_id, day=local_today())
    assert "capacity_failed" in [r["code"] for r in province.reasons]


def test_with_enough_beds_the_level_falls_and_without_beds_capacity_is_not_reported(commune, other_commune):
    _only_population(commune, 100_000)
    CommuneDayCount.objects.create(commune=commune, day=local_today(), confirmed=25)
    _yesterday_level_4(commune)
    _beds(other_commune, normal_total=100, normal_used=20, icu=6)  # another commune of the same province
    levels_recompute(day=local_today())
    row = LevelAssessment.objects.get(kind="commune", code=commune.pk, day=local_today())
    assert row.level == 3 and "capacity_met" in [r["code"] for r in row.reasons]
    Facility.objects.filter(commune__province_id=commune.province_id).delete()
    levels_recompute(day=local_today())
    row = LevelAssessment.objects.get(kind="commune", code=commune.pk, day=local_today())
    assert (
        row.level == 3 and row.reasons[-1]["code"] == "capacity_unknown" and row.inputs["capacity_ok"] is None
    )
