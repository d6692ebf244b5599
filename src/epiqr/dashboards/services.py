"""Writes of the dashboards: the read models rebuilt from the other domains' selectors."""

from collections import defaultdict
from datetime import date, timedelta

from django.db import transaction

from epiqr.cases.selectors import case_active_counts, case_counts_by_commune_day
from epiqr.checkins.selectors import (
    daily_counts_by_venue,
    declaration_counts_by_commune_day,
    occupancy_by_venue,
)
from epiqr.core.timeutil import local_today, now
from epiqr.geo.models import Commune
from epiqr.testing.selectors import counts_by_day_commune
from epiqr.tracing.selectors import cluster_list
from epiqr.vaccination.selectors import ADULT_BANDS, coverage_counts, doses_recorded
from epiqr.venues.selectors import venue_places

from . import levels
from .models import (
    ActivityDayCount,
    AreaPopulation,
    ClusterSpot,
    CommuneActiveCount,
    CommuneDayCount,
    CoverageCount,
    DeclarationDayCount,
    LevelAssessment,
    PlaceKind,
    ProvinceActivityDayCount,
    ProvinceDayCount,
    VenueOccupancy,
)
from .selectors import care_selectors, open_data_changed


def day_counts_refresh(*, days: set[date]) -> int:
    """Rebuild CommuneDayCount for these days, every commune, from the cases and testing selectors
    (so the counts equal the raw rows whatever arrived, changed or was cancelled); returns rows written.
    Runs per contiguous span of days: one grouped query per source."""
    written = 0
    for since, until in _spans(sorted(days)):
        confirmed = case_counts_by_commune_day(since=since, until=until, by="confirmed")
        onset = case_counts_by_commune_day(since=since, until=until, by="onset")
        tests = counts_by_day_commune(since=since, until=until)
        keys = set(confirmed) | set(onset) | {(c, d) for c, d in tests}
        rows = []
        for commune, day in keys:
            samples, resulted, positives = tests.get((commune, day), (0, 0, 0))
            rows.append(
                CommuneDayCount(
                    commune_id=commune,
                    day=day,
                    confirmed=confirmed.get((commune, day), 0),
                    onset=onset.get((commune, day), 0),
                    samples=samples,
                    resulted=resulted,
                    positives=positives,
                )
            )
        province_of = _province_of()
        by_province: dict[tuple[int, date], list[int]] = {}
        for r in rows:
            acc = by_province.setdefault((province_of[r.commune_id], r.day), [0, 0, 0, 0, 0])
            for i, v in enumerate((r.confirmed, r.onset, r.samples, r.resulted, r.positives)):
                acc[i] += v
        with transaction.atomic():
            CommuneDayCount.objects.filter(day__gte=since, day__lte=until).delete()
            CommuneDayCount.objects.bulk_create(rows, batch_size=2000)
            ProvinceDayCount.objects.filter(day__gte=since, day__lte=until).delete()
            ProvinceDayCount.objects.bulk_create(
                [ProvinceDayCount(province_id=p, day=d, **dict(zip(_DAY_FIELDS, acc, strict=True)))
                 for (p, d), acc in by_province.items()],
                batch_size=2000,
            )  # fmt: skip
        written += len(rows)
    open_data_changed()
    return written


_DAY_FIELDS = ("confirmed", "onset", "samples", "resulted", "positives")


def _province_of() -> dict[int, int]:
    return dict(Commune.objects.order_by().values_list("code", "province_id"))


def active_counts_refresh(*, commune_ids: list[int] | None = None) -> int:
    """Recount CommuneActiveCount for these communes (all when None) from the cases domain's rule
    (`case_active_counts`); returns the communes written. Each commune's row is locked before its count is
    read, so two recounts of one commune racing (two cases of it changing at once) write the later count."""
    with transaction.atomic():
        if commune_ids is None:
            counts = case_active_counts()
            CommuneActiveCount.objects.all().delete()
            CommuneActiveCount.objects.bulk_create(
                [CommuneActiveCount(commune_id=c, active=n) for c, n in counts.items()], batch_size=2000
            )
            return len(counts)
        ids = sorted(set(commune_ids))
        CommuneActiveCount.objects.bulk_create(
            [CommuneActiveCount(commune_id=c, active=0) for c in ids], ignore_conflicts=True
        )
        list(CommuneActiveCount.objects.select_for_update().filter(commune_id__in=ids).order_by("pk"))
        counts = case_active_counts(commune_ids=ids)
        for c in ids:
            CommuneActiveCount.objects.filter(commune_id=c).update(active=counts.get(c, 0), updated_at=now())
    return len(ids)


def _spans(days: list[date]) -> list[tuple[date, date]]:
    spans: list[tuple[date, date]] = []
    for day in days:
        if spans and day - spans[-1][1] <= timedelta(days=1):
            spans[-1] = (spans[-1][0], day)
        else:
            spans.append((day, day))
    return spans


def levels_recompute(*, day: date, trigger: str = "daily") -> int:
    """Grade every commune with a population on record, and every province of them, for `day` by the
    policy in force that day; writes (or replaces) that day's LevelAssessment rows; returns how many."""
    policy = levels.policy_for(day)
    since = day - timedelta(days=policy.window_days - 1)
    cases: dict[int, int] = defaultdict(int)
    for commune, n in CommuneDayCount.objects.filter(day__gte=since, day__lte=day).values_list(
        "commune_id", "confirmed"
    ):
        cases[commune] += n
    populations = dict(AreaPopulation.objects.values_list("commune_id", "population"))
    adults_on_record = {c: a for c, a in AreaPopulation.objects.values_list("commune_id", "adults") if a}
    vaccinated, adults = _adult_coverage(
        day=day, communes=list(populations), adults_on_record=adults_on_record
    )
    province_of = dict(Commune.objects.filter(pk__in=list(populations)).values_list("code", "province_id"))
    previous = _previous_levels(day=day)
    by_province_cases: dict[int, int] = defaultdict(int)
    by_province_people: dict[int, int] = defaultdict(int)
    by_province_vaccinated: dict[int, int] = defaultdict(int)
    by_province_adults: dict[int, int] = defaultdict(int)
    for commune, population in populations.items():
        by_province_cases[province_of[commune]] += cases.get(commune, 0)
        by_province_people[province_of[commune]] += population
        by_province_vaccinated[province_of[commune]] += vaccinated.get(commune, 0)
        by_province_adults[province_of[commune]] += adults.get(commune, 0)
    capacity: dict[int, levels.CapacityVerdict | None] = {}
    if policy.capacity is not None:
        beds = _province_beds()
        capacity = {
            p: levels.capacity_check(beds.get(p), people, policy.capacity)
            for p, people in by_province_people.items()
        }
    places: list[tuple[str, int, levels.PlaceWeek]] = []
    for commune, population in populations.items():
        verdict = capacity.get(province_of[commune])
        places.append(
            (
                PlaceKind.COMMUNE,
                commune,
                levels.PlaceWeek(
                    cases.get(commune, 0),
                    population,
                    _share(vaccinated, adults, commune),
                    None if verdict is None else verdict.ok,
                    previous.get(("commune", commune)),
                    verdict,
                ),
            )
        )
    for province, people in by_province_people.items():
        verdict = capacity.get(province)
        places.append(
            (
                PlaceKind.PROVINCE,
                province,
                levels.PlaceWeek(
                    by_province_cases[province],
                    people,
                    _share(by_province_vaccinated, by_province_adults, province),
                    None if verdict is None else verdict.ok,
                    previous.get(("province", province)),
                    verdict,
                ),
            )
        )
    at = now()
    rows = []
    for kind, code, week in places:
        result = levels.assess(week, policy)
        rows.append(
            LevelAssessment(
                kind=kind,
                code=code,
                day=day,
                level=result.level,
                rate=result.rate,
                policy=result.policy_id,
                reasons=[{"code": r.code, **r.values} for r in result.reasons],
                inputs={
                    "new_cases": week.new_cases,
                    "population": week.population,
                    "adult_coverage": week.adult_coverage,
                    "capacity_ok": week.capacity_ok,
                    "since": since.isoformat(),
                },
                trigger=trigger,
                computed_at=at,
            )
        )
    with transaction.atomic():
        LevelAssessment.objects.filter(day=day).delete()
        LevelAssessment.objects.bulk_create(rows, batch_size=2000)
    open_data_changed()
    return len(rows)


def _province_beds() -> dict[int, levels.Beds]:
    """Each province's treatment beds (all tiers and kinds) from the care domain's capacity selector; empty
    while the care domain is not installed (capacity then not reported)."""
    care = care_selectors()
    if care is None or not hasattr(care, "capacity_by_province_tier"):
        return {}
    totals: dict[int, list[int]] = defaultdict(lambda: [0, 0, 0])
    for row in care.capacity_by_province_tier(user=None):
        acc = totals[row["province_id"]]
        acc[0] += row["total"]
        acc[1] += row["free"]
        if row["kind"] == "icu":
            acc[2] += row["total"]
    return {p: levels.Beds(total=t, free=f, icu=i) for p, (t, f, i) in totals.items()}


def _adult_coverage(
    *, day: date, communes: list[int], adults_on_record: dict[int, int]
) -> tuple[dict[int, int], dict[int, int]]:
    """Per commune: adults with at least one dose by `day`, and the adults they are a share of (the adults on
    record in AreaPopulation, else the adults registered in the person registry). Empty when no dose is on
    record anywhere: coverage is then not reported (the level policy decides what that means)."""
    if not doses_recorded():
        return {}, {}
    vaccinated: dict[int, int] = defaultdict(int)
    registered: dict[int, int] = defaultdict(int)
    for row in coverage_counts(on=day, commune_ids=communes):
        if row["band"] in ADULT_BANDS and row["commune_id"] is not None:
            vaccinated[row["commune_id"]] += row["dose1"]
            registered[row["commune_id"]] += row["people"]
    adults = {c: adults_on_record.get(c) or registered.get(c, 0) for c in communes}
    return {c: vaccinated.get(c, 0) for c in communes}, adults


def _share(vaccinated: dict[int, int], adults: dict[int, int], key: int) -> float | None:
    """Coverage as a share (at most 1), None when not reported or no adult is known."""
    if not adults.get(key):
        return None
    return min(vaccinated.get(key, 0) / adults[key], 1.0)


def coverage_refresh() -> int:
    """Replace the vaccination coverage copy with vaccination's counts of today; returns rows written."""
    today = local_today()
    rows = [
        CoverageCount(
            commune_id=r["commune_id"],
            band=r["band"],
            people=r["people"],
            dose1=r["dose1"],
            dose2=r["dose2"],
            dose3=r["dose3"],
            day=today,
        )
        for r in coverage_counts(on=today)
        if r["commune_id"] is not None
    ]
    with transaction.atomic():
        CoverageCount.objects.all().delete()
        CoverageCount.objects.bulk_create(rows, batch_size=2000)
    return len(rows)


def _previous_levels(*, day: date) -> dict[tuple[str, int], int]:
    """Each place's level on the latest day before `day` that has one."""
    out: dict[tuple[str, int], int] = {}
    last = LevelAssessment.objects.filter(day__lt=day).order_by("-day").values_list("day", flat=True).first()
    if last is None:
        return out
    for kind, code, level in LevelAssessment.objects.filter(day=last, level__isnull=False).values_list(
        "kind", "code", "level"
    ):
        out[(kind, code)] = level
    return out


def population_set(
    *, commune_id: int, population: int, adults: int | None = None, source: str = ""
) -> AreaPopulation:
    row, _ = AreaPopulation.objects.update_or_create(
        commune_id=commune_id, defaults={"population": population, "adults": adults, "source": source}
    )
    return row


def activity_refresh(*, days: set[date]) -> int:
    """Rebuild ActivityDayCount (check-ins by commune, sector and day, with the local hours) and DeclarationDayCount
    for these days from the check-ins domain's daily venue counts and declaration counts; returns rows
    written. Per contiguous span: one read of each source, then the span replaced in one transaction."""
    written = 0
    for since, until in _spans(sorted(days)):
        counts = daily_counts_by_venue(since=since, until=until)
        places = venue_places(venue_ids=sorted({v for v, _d, _n, _h in counts}))
        acc: dict[tuple[int, str, date], list] = {}
        for venue_id, day, n, hours in counts:
            place = places.get(venue_id)
            if place is None:
                continue
            row = acc.setdefault((place.commune_id, place.sector, day), [0, 0, [0] * 24])
            row[0] += n
            row[1] += 1
            for i, h in enumerate(hours[:24]):
                row[2][i] += h
        declared = declaration_counts_by_commune_day(since=since, until=until)
        province_of = _province_of()
        provinces: dict[tuple[int, str, date], list] = {}
        for (c, sector, d), (n, v, h) in acc.items():
            row = provinces.setdefault((province_of[c], sector, d), [0, 0, [0] * 24])
            row[0] += n
            row[1] += v
            for i, x in enumerate(h):
                row[2][i] += x
        with transaction.atomic():
            ProvinceActivityDayCount.objects.filter(day__gte=since, day__lte=until).delete()
            ProvinceActivityDayCount.objects.bulk_create(
                [
                    ProvinceActivityDayCount(
                        province_id=p, sector=sector, day=d, checkins=n, venues=v, hours=h
                    )
                    for (p, sector, d), (n, v, h) in provinces.items()
                ],
                batch_size=2000,
            )
            ActivityDayCount.objects.filter(day__gte=since, day__lte=until).delete()
            ActivityDayCount.objects.bulk_create(
                [
                    ActivityDayCount(commune_id=c, sector=sector, day=d, checkins=n, venues=v, hours=h)
                    for (c, sector, d), (n, v, h) in acc.items()
                ],
                batch_size=2000,
            )
            DeclarationDayCount.objects.filter(day__gte=since, day__lte=until).delete()
            DeclarationDayCount.objects.bulk_create(
                [
                    DeclarationDayCount(commune_id=c, day=d, declarations=n, flagged=f)
                    for (c, d), (n, f) in declared.items()
                ],
                batch_size=2000,
            )
        written += len(acc) + len(declared)
    return written


def occupancy_refresh(*, at=None) -> int:
    """Replace the occupancy snapshot: people probably inside each venue now (checkins' rule) with its
    capacity; venues nobody is in are left out. Returns the venues written."""
    at = at or now()
    inside = occupancy_by_venue(at=at)
    places = venue_places(venue_ids=sorted(inside))
    rows = [
        VenueOccupancy(
            venue_id=venue_id,
            commune_id=place.commune_id,
            name=place.name[:200],
            sector=place.sector,
            people=people,
            capacity=place.capacity,
            at=at,
        )
        for venue_id, people in inside.items()
        if (place := places.get(venue_id)) is not None and people > 0
    ]
    with transaction.atomic():
        VenueOccupancy.objects.all().delete()
        VenueOccupancy.objects.bulk_create(rows, batch_size=2000)
    return len(rows)


def clusters_refresh(*, days: int = 14) -> int:
    """Replace the clusters shown on the map with tracing's (venues where two or more counted cases
    checked in within `days` days): venue, commune, number of cases, first and last visit; no person."""
    at = now()
    rows = [
        ClusterSpot(
            venue_id=c["venue_id"],
            commune_id=c["venue"].commune_id,
            name=c["venue"].name[:200],
            cases=len(c["cases"]),
            first=c["first"],
            last=c["last"],
            at=at,
        )
        for c in cluster_list(user=None, days=days)
    ]
    with transaction.atomic():
        ClusterSpot.objects.all().delete()
        ClusterSpot.objects.bulk_create(rows, batch_size=2000)
    return len(rows)
