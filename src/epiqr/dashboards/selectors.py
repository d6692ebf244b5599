"""Reads of the dashboards: pre-aggregated counts in the user's jurisdiction (never a raw-table scan)."""

import math
import uuid
import zlib
from collections import defaultdict
from dataclasses import dataclass
from datetime import date, datetime, timedelta
from importlib import import_module

from django.core.cache import cache
from django.db.models import Count, F, IntegerField, Max, Q, Sum
from django.db.models.fields.json import KT
from django.db.models.functions import Cast
from django.utils.translation import gettext_lazy

from epiqr.accounts.selectors import commune_list_in_jurisdiction, jurisdiction_filter, province_commune_codes
from epiqr.cameras.selectors import crowd_hourly
from epiqr.core import export
from epiqr.core.domains import DOMAINS
from epiqr.core.errors import NotFound
from epiqr.core.lists import Filter, ListSpec, Sort
from epiqr.core.permissions import Role
from epiqr.core.timeutil import local_today, now
from epiqr.geo.models import Commune, Province
from epiqr.geo.selectors import commune_positions
from epiqr.tracing.selectors import quarantined_counts_by_commune, risky_venue_feed
from epiqr.vaccination.selectors import ADULT_BANDS
from epiqr.venues.models import Sector
from epiqr.venues.selectors import safety_published_in, safety_statuses, venue_places_in

from . import opendata
from .models import (
    ActivityDayCount,
    ClusterSpot,
    CommuneActiveCount,
    CommuneDayCount,
    CoverageCount,
    DeclarationDayCount,
    LevelAssessment,
    PlaceKind,
    ProvinceActivityDayCount,
    ProvinceDayCount,
    SectorDeadline,
    VenueOccupancy,
)

AVERAGE_DAYS = 7


@dataclass(frozen=True)
class Area:
    """What a dashboard shows: the whole jurisdiction (`commune_id` and `province_id` None), one province of
    it (an administrator's drill-down) or one commune of it."""

    commune_id: int | None
    label: str
    province_id: int | None = None

    def narrow(self, qs, path: str = "commune"):
        """Rows of a read model (with a commune at `path`) inside this area."""
        if self.commune_id is not None:
            return qs.filter(**{f"{path}_id": self.commune_id})
        if self.province_id is not None:
            return qs.filter(**{f"{path}__province_id": self.province_id})
        return qs


def area_for(*, user, commune_id: int | None, province_id: int | None = None) -> Area:
    """The area asked for, refused (NotFound) if outside the user's jurisdiction. A province is offered to
    those whose jurisdiction holds several (administrators); a commune wins over a province."""
    if commune_id is None and province_id is not None:
        allowed = _provinces_of(user)
        province = Province.objects.filter(pk=province_id).first()
        if province is None or (allowed is not None and (province_id not in allowed or user.commune_id)):
            raise NotFound("province")
        return Area(None, province.name, province.pk)
    if commune_id is None:
        return Area(None, _jurisdiction_label(user))
    commune = commune_list_in_jurisdiction(user=user).filter(pk=commune_id).first()
    if commune is None:
        raise NotFound("commune")
    return Area(commune.pk, commune.name, commune.province_id)


def multi_province(user) -> bool:
    """Whether the user's jurisdiction holds several provinces (the whole country): their pages group the
    communes by province and drill down into one."""
    return _provinces_of(user) is None


def _jurisdiction_label(user) -> str:
    if getattr(user, "commune", None) is not None:
        return user.commune.name
    if getattr(user, "province", None) is not None:
        return user.province.name
    from django.utils.translation import gettext as _

    return _("Whole country")


def _counts(*, user, area: Area):
    qs = jurisdiction_filter(CommuneDayCount.objects.all(), user=user, commune_path="commune")
    return area.narrow(qs)


def _whole_provinces(*, user, area: Area) -> tuple[bool, set[int] | None]:
    """Whether the area is made of whole provinces (the country, a province opened, a province officer's
    own), and which (None: every province): those areas are read from the per-province read models
    (ProvinceDayCount, ProvinceActivityDayCount), a commune's from the per-commune ones."""
    if area.commune_id is not None or getattr(user, "commune_id", None):
        return False, None
    if area.province_id is not None:
        return True, {area.province_id}
    return True, _provinces_of(user)


def _in_provinces(qs, provinces: set[int] | None):
    return qs if provinces is None else qs.filter(province_id__in=provinces)


def _day_sums(*, user, area: Area, since: date, until: date, group: str, **sums):
    """CommuneDayCount summed over the area and the days, grouped by `group` ("day" or "commune_id"; by day
    from ProvinceDayCount when the area is made of whole provinces)."""
    whole, provinces = _whole_provinces(user=user, area=area)
    if whole and group == "day":
        qs = _in_provinces(ProvinceDayCount.objects.all(), provinces)
    else:
        qs = _counts(user=user, area=area)
    return qs.filter(day__gte=since, day__lte=until).values(group).annotate(**sums).order_by()


@dataclass(frozen=True)
class CurveDay:
    day: date
    confirmed: int
    onset: int
    confirmed_avg: float  # trailing 7-day mean, the day included
    onset_avg: float


def trailing_mean(values: list[int], window: int = AVERAGE_DAYS) -> list[float]:
    """The mean of each value and the `window - 1` before it (fewer at the start of the list)."""
    out = []
    total = 0
    for i, v in enumerate(values):
        total += v
        if i >= window:
            total -= values[i - window]
        out.append(total / min(i + 1, window))
    return out


def epidemic_curve(*, user, area: Area, since: date, until: date) -> list[CurveDay]:
    """New cases per day by confirmation and by onset, with their 7-day averages (the 6 days before
    `since` are read so the first average is whole)."""
    start = since - timedelta(days=AVERAGE_DAYS - 1)
    rows = _day_sums(
        user=user, area=area, since=start, until=until, group="day", c=Sum("confirmed"), o=Sum("onset")
    )
    by_day = {r["day"]: (r["c"], r["o"]) for r in rows}
    days = [start + timedelta(days=i) for i in range((until - start).days + 1)]
    confirmed = [by_day.get(d, (0, 0))[0] for d in days]
    onset = [by_day.get(d, (0, 0))[1] for d in days]
    c_avg, o_avg = trailing_mean(confirmed), trailing_mean(onset)
    skip = AVERAGE_DAYS - 1
    return [CurveDay(d, confirmed[i], onset[i], c_avg[i], o_avg[i]) for i, d in enumerate(days) if i >= skip]


@dataclass(frozen=True)
class ActivityDay:
    day: date
    checkins: int
    venues: int  # venues with at least one check-in that day
    declarations: int = 0
    flagged: int = 0  # declarations flagged for follow-up


def _activity_counts(*, user, area: Area, by_commune: bool = False):
    """The activity rows of the area: per province, sector and day (ProvinceActivityDayCount) when the area
    is made of whole provinces and the rows are not wanted by commune, else per commune (ActivityDayCount)."""
    whole, provinces = _whole_provinces(user=user, area=area)
    if whole and not by_commune:
        return _in_provinces(ProvinceActivityDayCount.objects.all(), provinces)
    return area.narrow(jurisdiction_filter(ActivityDayCount.objects.all(), user=user, commune_path="commune"))


def _declaration_counts(*, user, area: Area):
    return area.narrow(
        jurisdiction_filter(DeclarationDayCount.objects.all(), user=user, commune_path="commune")
    )


def activity(*, user, area: Area, since: date, until: date) -> list[ActivityDay]:
    """Check-ins, venues with check-ins and health declarations per day in the area (read models rolled up
    from the check-ins domain's daily counts)."""
    scans = {
        r["day"]: (r["n"], r["v"])
        for r in _activity_counts(user=user, area=area)
        .filter(day__gte=since, day__lte=until)
        .values("day")
        .annotate(n=Sum("checkins"), v=Sum("venues"))
        .order_by()
    }
    declared = {
        r["day"]: (r["n"], r["f"])
        for r in _declaration_counts(user=user, area=area)
        .filter(day__gte=since, day__lte=until)
        .values("day")
        .annotate(n=Sum("declarations"), f=Sum("flagged"))
        .order_by()
    }
    days = [since + timedelta(days=i) for i in range((until - since).days + 1)]
    return [ActivityDay(d, *scans.get(d, (0, 0)), *declared.get(d, (0, 0))) for d in days]


def activity_hours(*, user, area: Area, since: date, until: date) -> list[int]:
    """Check-ins by local hour (0 to 23) over the period in the area: 24 sums in one query (each row's
    `hours` is a JSON list of 24 counts)."""
    rows = _activity_counts(user=user, area=area).filter(day__gte=since, day__lte=until)
    sums = rows.aggregate(**{f"h{i}": Sum(Cast(KT(f"hours__{i}"), IntegerField())) for i in range(24)})
    return [sums[f"h{i}"] or 0 for i in range(24)]


@dataclass(frozen=True)
class ActivityRow:
    key: str | int  # a commune code or a sector
    label: str
    checkins: int
    venue_days: int  # venues with check-ins, summed over the days
    declarations: int | None  # by commune only (a declaration has no sector)
    flagged: int | None
    days: int

    @property
    def venues_per_day(self) -> float:
        return self.venue_days / self.days if self.days else 0.0


def activity_by(*, user, area: Area, since: date, until: date, by: str) -> list[ActivityRow]:
    """Check-ins, venues with check-ins per day and declarations over the period, by commune or sector,
    most check-ins first."""
    field = {"commune": "commune_id", "sector": "sector"}[by]
    days = (until - since).days + 1
    sums = {
        r[field]: (r["n"], r["v"])
        for r in _activity_counts(user=user, area=area, by_commune=by == "commune")
        .filter(day__gte=since, day__lte=until)
        .values(field)
        .annotate(n=Sum("checkins"), v=Sum("venues"))
        .order_by()
    }
    declared: dict = {}
    if by == "commune":
        declared = {
            r["commune_id"]: (r["n"], r["f"])
            for r in _declaration_counts(user=user, area=area)
            .filter(day__gte=since, day__lte=until)
            .values("commune_id")
            .annotate(n=Sum("declarations"), f=Sum("flagged"))
            .order_by()
        }
        labels = dict(
            commune_list_in_jurisdiction(user=user)
            .filter(pk__in=set(sums) | set(declared))
            .values_list("pk", "name")
        )
    else:
        labels = {k: str(v) for k, v in Sector.choices}
    out = []
    for key in set(sums) | set(declared):
        if by == "commune" and key not in labels:
            continue
        n, v = sums.get(key, (0, 0))
        d, f = declared.get(key, (0, 0)) if by == "commune" else (None, None)
        out.append(ActivityRow(key, labels.get(key, str(key)), n, v, d, f, days))
    out.sort(key=lambda r: (-r.checkins, -(r.declarations or 0), r.label))
    return out


@dataclass(frozen=True)
class OccupancyNow:
    rows: list  # VenueOccupancy rows, fullest first
    people: int  # people inside the venues of the area now
    capacity: int  # capacity of those of them that declared one
    people_with_capacity: int  # people inside the venues that declared a capacity
    venues: int
    at: datetime | None


def occupancy_now(*, user, area: Area, limit: int = 20) -> OccupancyNow:
    """People probably inside the venues of the area at the last snapshot, against the capacity the venues
    declared; the fullest venues first (by share of capacity, then by people)."""
    qs = area.narrow(jurisdiction_filter(VenueOccupancy.objects.all(), user=user, commune_path="commune"))
    totals = qs.aggregate(
        n_people=Sum("people"),
        n_capacity=Sum("capacity", filter=Q(capacity__gt=0)),
        n_inside=Sum("people", filter=Q(capacity__gt=0)),
        n_venues=Count("venue_id"),
        last=Max("at"),
    )
    full = list(qs.filter(capacity__gt=0).order_by("-people")[: limit * 10])
    full.sort(key=lambda r: (-r.people / r.capacity, -r.people, r.name))
    return OccupancyNow(
        rows=full[:limit],
        people=totals["n_people"] or 0,
        capacity=totals["n_capacity"] or 0,
        people_with_capacity=totals["n_inside"] or 0,
        venues=totals["n_venues"] or 0,
        at=totals["last"],
    )


def active_counts(*, user, area: Area) -> dict[int, int]:
    """Active cases now per commune of the area (the CommuneActiveCount read model), communes with none left
    out."""
    qs = area.narrow(jurisdiction_filter(CommuneActiveCount.objects.all(), user=user, commune_path="commune"))
    return dict(qs.filter(active__gt=0).values_list("commune_id", "active"))


@dataclass(frozen=True)
class CommuneRow:
    commune_id: int
    name: str
    confirmed: int
    active: int
    samples: int
    resulted: int
    positives: int
    level: int | None
    quarantined: int = 0  # contacts in F1 quarantine now (tracing's rule)

    @property
    def positivity_percent(self) -> float | None:
        return self.positives * 100 / self.resulted if self.resulted else None


def commune_table(
    *,
    user,
    since: date,
    until: date,
    latest: dict | None = None,
    commune_id: int | None = None,
    province_id: int | None = None,
) -> list[CommuneRow]:
    """Per commune of the jurisdiction (or that one commune of it) with anything to show: cases confirmed
    in the period, active cases now, contacts in quarantine, people sampled, with a result, positives, and
    the latest level; the highest level and most cases first."""
    sums = (
        _counts(user=user, area=Area(commune_id, "", province_id))
        .filter(day__gte=since, day__lte=until)
        .values("commune_id")
        .annotate(c=Sum("confirmed"), s=Sum("samples"), r=Sum("resulted"), p=Sum("positives"))
        .order_by()
    )
    data = {r["commune_id"]: r for r in sums}
    active = active_counts(user=user, area=Area(commune_id, "", province_id))
    quarantined = quarantined_counts_by_commune()
    latest = level_briefs(user=user) if latest is None else latest
    ids = set(data) | {c for c in active if c is not None} | set(latest) | set(quarantined)
    if commune_id is not None:
        ids &= {commune_id}
    communes = commune_list_in_jurisdiction(user=user).order_by()
    if commune_id is not None:
        communes = communes.filter(pk=commune_id)
    elif province_id is not None:  # the province's communes (not a list of the country's 3,321 codes)
        communes = communes.filter(province_id=province_id)
    else:
        communes = communes.filter(pk__in=ids)
    names = dict(communes.values_list("pk", "name"))
    out = []
    for cid in ids:
        if cid not in names:
            continue
        r = data.get(cid, {})
        level = latest.get(cid)
        out.append(
            CommuneRow(
                cid,
                names[cid],
                r.get("c") or 0,
                active.get(cid, 0),
                r.get("s") or 0,
                r.get("r") or 0,
                r.get("p") or 0,
                level.level if level else None,
                quarantined.get(cid, 0),
            )
        )
    out.sort(key=lambda row: (-(row.level or 0), -row.confirmed, row.name))
    return out


@dataclass(frozen=True)
class ProvinceRow:
    province_id: int
    name: str
    communes: int  # communes with anything to show
    confirmed: int
    active: int
    quarantined: int
    samples: int
    resulted: int
    positives: int
    level: int | None  # the province's own level
    communes_by_level: dict  # level (None: no level) -> communes of the province at it

    @property
    def positivity_percent(self) -> float | None:
        return self.positives * 100 / self.resulted if self.resulted else None


def province_table(*, user, since: date, until: date, latest: dict | None = None) -> list[ProvinceRow]:
    """One row per province of the jurisdiction with anything to show (the whole country's first view, each
    opening its communes): cases confirmed, people sampled, with a result, positives over the period (from
    ProvinceDayCount), active cases now (CommuneActiveCount), contacts in quarantine, its communes with a
    level, an active case or contacts in quarantine by their latest level (every commune with a population
    has a level each day), and the province's own latest level; highest level and most cases first. Reads
    per-province rows and one row per commune of the latest levels, never the days of every commune."""
    provinces = _provinces_of(user)
    communes_qs = Commune.objects.order_by()  # (no join to the provinces for Commune's default ordering)
    if provinces is not None:
        communes_qs = communes_qs.filter(province_id__in=provinces)
    province_of = dict(communes_qs.values_list("pk", "province_id"))
    latest = level_briefs(user=user) if latest is None else latest
    sums = {
        r["province_id"]: r
        for r in _in_provinces(ProvinceDayCount.objects.all(), provinces)
        .filter(day__gte=since, day__lte=until)
        .values("province_id")
        .annotate(c=Sum("confirmed"), s=Sum("samples"), r=Sum("resulted"), p=Sum("positives"))
        .order_by()
    }
    active = active_counts(user=user, area=Area(None, ""))
    quarantined = quarantined_counts_by_commune()
    communes: dict[int, set[int]] = defaultdict(set)
    for c in set(active) | set(quarantined) | set(latest):
        if c in province_of:
            communes[province_of[c]].add(c)
    names = dict(Province.objects.values_list("pk", "name"))
    levels_ = level_briefs(user=user, kind=PlaceKind.PROVINCE)
    out = []
    for p, ids in communes.items():
        r = sums.get(p, {})
        by_level: dict = defaultdict(int)
        for c in ids:
            brief = latest.get(c)
            by_level[brief.level if brief else None] += 1
        out.append(
            ProvinceRow(
                p,
                names.get(p, str(p)),
                len(ids),
                r.get("c") or 0,
                sum(active.get(c, 0) for c in ids),
                sum(quarantined.get(c, 0) for c in ids),
                r.get("s") or 0,
                r.get("r") or 0,
                r.get("p") or 0,
                levels_[p].level if p in levels_ else None,
                dict(by_level),
            )
        )
    out.sort(key=lambda row: (-(row.level or 0), -row.confirmed, row.name))
    return out


def _latest_day(kind: str) -> date | None:
    return LevelAssessment.objects.filter(kind=kind).order_by("-day").values_list("day", flat=True).first()


def _latest_in_jurisdiction(*, user, kind: str):
    """The rows of the latest day of assessments of this kind, narrowed in the database to the user's
    jurisdiction (None: nothing assessed yet)."""
    last = _latest_day(kind)
    if last is None:
        return None
    rows = LevelAssessment.objects.filter(kind=kind, day=last)
    if kind == PlaceKind.COMMUNE:
        if not (user.is_superuser or user.role == Role.ADMIN):
            rows = rows.filter(code__in=commune_list_in_jurisdiction(user=user).values("pk"))
    else:
        allowed = _provinces_of(user)
        if allowed is not None:
            rows = rows.filter(code__in=allowed)
    return rows


def levels_latest(*, user, kind: str) -> dict[int, LevelAssessment]:
    """The latest assessment of each place of this kind in the user's jurisdiction (with its reasons)."""
    rows = _latest_in_jurisdiction(user=user, kind=kind)
    return {} if rows is None else {r.code: r for r in rows}


@dataclass(frozen=True)
class LevelBrief:
    level: int | None
    rate: float | None
    day: date


def level_briefs(
    *, user, kind: str = PlaceKind.COMMUNE, province_id: int | None = None
) -> dict[int, LevelBrief]:
    """The latest level and rate of each place of the jurisdiction (of one province of it for communes when
    `province_id` is given), without reasons or inputs (tables, the map and the counts by level read
    thousands of these)."""
    rows = _latest_in_jurisdiction(user=user, kind=kind)
    if rows is None:
        return {}
    if province_id is not None and kind == PlaceKind.COMMUNE:
        rows = rows.filter(code__in=province_commune_codes(province_id=province_id))
    return {
        code: LevelBrief(level, rate, day)
        for code, level, rate, day in rows.values_list("code", "level", "rate", "day")
    }


def level_rows_visible_to(*, user):
    """The assessments of the latest day assessed (communes and provinces) in the user's jurisdiction: what the
    paged levels list (LEVELS) narrows, sorts and pages."""
    last = LevelAssessment.objects.order_by("-day").values_list("day", flat=True).first()
    if last is None:
        return LevelAssessment.objects.none()
    rows = LevelAssessment.objects.filter(day=last)
    provinces = _provinces_of(user)
    if provinces is None:
        return rows
    return rows.filter(
        Q(kind=PlaceKind.COMMUNE, code__in=commune_list_in_jurisdiction(user=user).values("pk"))
        | Q(kind=PlaceKind.PROVINCE, code__in=provinces)
    )


def _province_choices(user) -> list[tuple[int, str]]:
    if user is None:
        return []
    allowed = _provinces_of(user)
    qs = Province.objects.order_by("name")
    return list((qs if allowed is None else qs.filter(pk__in=allowed)).values_list("code", "name"))


def _in_province(qs, province: int):
    return qs.filter(
        Q(kind=PlaceKind.COMMUNE, code__in=Commune.objects.filter(province_id=province).values("pk"))
        | Q(kind=PlaceKind.PROVINCE, code=province)
    )


def _at_level(qs, level):
    return qs.filter(level__isnull=True) if level == "none" else qs.filter(level=level)


# The latest levels of every place of the jurisdiction (/dashboards/levels/ and GET /api/v1/dashboards/levels):
# all 3,321 communes for an administrator, paged; highest level and rate first.
LEVELS = ListSpec(
    name="dashboard_levels",
    filters=(
        Filter("kind", gettext_lazy("Places"), choices=PlaceKind.choices, default=PlaceKind.COMMUNE,
               help="commune (default) or province"),
        Filter("province", gettext_lazy("Province"), choices=_province_choices, apply=_in_province, api_type=int,
               placeholder=gettext_lazy("province code, e.g. 1"),
               help="province code (GET /api/v1/geo/provinces), one of your jurisdiction"),
        Filter("level", gettext_lazy("Level"), apply=_at_level, choices=(
            (4, gettext_lazy("4: very high")), (3, gettext_lazy("3: high")), (2, gettext_lazy("2: medium")),
            (1, gettext_lazy("1: low")), ("none", gettext_lazy("no level")),
        ), help="1 to 4, or none (no population on record)"),
    ),
    sorts=(
        Sort("level", gettext_lazy("Level"), ("level", "rate", "code")),
        Sort("code", gettext_lazy("Code"), ("code",)),
    ),
    default_sort="-level",
    page_size=50,
    model=LevelAssessment,
    index_prefixes=(("day", "kind"),),
)  # fmt: skip


def place_names(rows) -> dict[tuple[str, int], tuple[str, str]]:
    """(kind, code) -> (name, province name) for the places of these assessment rows (one page of them)."""
    communes = {r.code for r in rows if r.kind == PlaceKind.COMMUNE}
    provinces = {r.code for r in rows if r.kind == PlaceKind.PROVINCE}
    out: dict[tuple[str, int], tuple[str, str]] = {}
    for code, name, province in Commune.objects.filter(pk__in=communes).values_list(
        "pk", "name", "province__name"
    ):
        out[(PlaceKind.COMMUNE, code)] = (name, province)
    for code, name in Province.objects.filter(pk__in=provinces).values_list("pk", "name"):
        out[(PlaceKind.PROVINCE, code)] = (name, name)
    return out


def _provinces_of(user) -> set[int] | None:
    if user.is_superuser or user.role == Role.ADMIN:
        return None
    if user.province_id:
        return {user.province_id}
    if getattr(user, "commune", None) is not None:
        return {user.commune.province_id}
    return set()


def area_level(*, user, area: Area) -> LevelAssessment | None:
    """The latest level of the area shown: the commune's, or the province's for a province officer."""
    if area.commune_id is not None:
        kind, code = PlaceKind.COMMUNE, area.commune_id
    elif area.province_id is not None:
        kind, code = PlaceKind.PROVINCE, area.province_id
    elif user.commune_id:
        kind, code = PlaceKind.COMMUNE, user.commune_id
    elif user.province_id:
        kind, code = PlaceKind.PROVINCE, user.province_id
    else:
        return None
    last = _latest_day(kind)
    return LevelAssessment.objects.filter(kind=kind, code=code, day=last).first() if last else None


def level_history(*, user, kind: str, code: int, limit: int = 90) -> list[LevelAssessment]:
    """A place's assessments, newest first; NotFound outside the user's jurisdiction."""
    if kind == PlaceKind.COMMUNE:
        if not commune_list_in_jurisdiction(user=user).filter(pk=code).exists():
            raise NotFound("commune")
    elif kind == PlaceKind.PROVINCE:
        allowed = _provinces_of(user)
        if allowed is not None and code not in allowed:
            raise NotFound("province")
    else:
        raise NotFound("kind")
    return list(LevelAssessment.objects.filter(kind=kind, code=code).order_by("-day")[:limit])


def level_counts(latest: dict) -> dict[int | None, int]:
    counts: dict[int | None, int] = defaultdict(int)
    for row in latest.values():
        counts[row.level] += 1
    return dict(counts)


# --- Deployment (who has not put up their QR yet)

ACTIVE_DAYS = 7


@dataclass(frozen=True)
class ProgressRow:
    key: str | int  # a sector, an agency or a commune code
    label: str
    required: int
    deployed: int  # matched to a venue whose poster is active
    active: int  # deployed, with a scan in the last 7 days
    review: int
    deadline: date | None = None

    @property
    def not_deployed(self) -> int:
        return self.required - self.deployed

    @property
    def percent(self) -> float:
        return self.deployed * 100 / self.required if self.required else 0.0


def targets_visible_to(*, user):
    from .models import DeploymentTarget

    return jurisdiction_filter(DeploymentTarget.objects.all(), user=user, commune_path="commune")


def deployed_venue_ids(*, targets, day: date | None = None) -> tuple[set[int], set[int]]:
    """(venues of these targets with an active poster, those of them scanned in the last 7 days)."""
    from epiqr.checkins.selectors import venue_ids_scanned_since
    from epiqr.venues.models import Venue

    from .models import MatchStatus

    ids = set(
        targets.filter(
            status__in=(MatchStatus.MATCHED, MatchStatus.CONFIRMED), venue__isnull=False
        ).values_list("venue_id", flat=True)
    )
    posted = set(Venue.objects.filter(pk__in=ids, is_active=True).values_list("pk", flat=True))
    day = day or local_today()
    scanned = venue_ids_scanned_since(since=day - timedelta(days=ACTIVE_DAYS - 1), venue_ids=list(posted))
    return posted, scanned


def progress_rows(
    *, targets, by: str, day: date | None = None, deadlines: dict | None = None
) -> list[ProgressRow]:
    """Units required, deployed, active and waiting for review, grouped by sector, agency or commune."""
    from epiqr.venues.models import Sector

    from .models import MatchStatus

    posted, scanned = deployed_venue_ids(targets=targets, day=day)
    field = {"sector": "sector", "agency": "agency", "commune": "commune_id"}[by]
    acc: dict = {}
    for key, status, venue_id in targets.values_list(field, "status", "venue_id"):
        row = acc.setdefault(key, [0, 0, 0, 0])
        row[0] += 1
        counted = status in (MatchStatus.MATCHED, MatchStatus.CONFIRMED) and venue_id in posted
        row[1] += counted
        row[2] += counted and venue_id in scanned
        row[3] += status == MatchStatus.REVIEW
    if by == "sector":
        labels = {k: str(v) for k, v in Sector.choices}
    elif by == "commune":
        from epiqr.geo.models import Commune

        labels = dict(Commune.objects.filter(pk__in=list(acc)).values_list("pk", "name"))
    else:
        labels = {k: k for k in acc}
    deadlines = deadlines or {}
    out = [
        ProgressRow(
            key, labels.get(key, str(key)), *counts, deadline=deadlines.get(key) if by == "sector" else None
        )
        for key, counts in acc.items()
    ]
    out.sort(key=lambda r: (r.percent, r.label))
    return out


def deadlines_for(*, user) -> dict[str, SectorDeadline]:
    province = user.province_id or (user.commune.province_id if getattr(user, "commune", None) else None)
    return {d.sector: d for d in SectorDeadline.objects.filter(province_id=province)}


def call_list(*, user, sector: str = "", agency: str = "", commune_id: int | None = None):
    """Units not deployed yet (not matched, waiting for review, or matched to a venue whose poster was
    withdrawn), with their contact: who to call."""
    from .models import MatchStatus

    qs = targets_visible_to(user=user).select_related("commune")
    if sector:
        qs = qs.filter(sector=sector)
    if agency:
        qs = qs.filter(agency=agency)
    if commune_id is not None:
        qs = qs.filter(commune_id=commune_id)
    posted, _scanned = deployed_venue_ids(targets=qs)
    done = Q(status__in=(MatchStatus.MATCHED, MatchStatus.CONFIRMED), venue_id__in=posted)
    return qs.exclude(done).order_by("commune__name", "sector", "name", "pk")


def review_queue(*, user):
    from .models import MatchStatus

    return (
        targets_visible_to(user=user)
        .filter(status=MatchStatus.REVIEW, venue__isnull=False)
        .select_related("commune", "venue")
        .order_by("-score", "pk")
    )


def progress_history(*, user, sector: str, days: int = 60):
    from .models import DeploymentDay

    province = user.province_id or (user.commune.province_id if getattr(user, "commune", None) else None)
    return list(
        DeploymentDay.objects.filter(
            province_id=province, sector=sector, day__gte=local_today() - timedelta(days=days)
        ).order_by("day")
    )


@dataclass(frozen=True)
class CrowdRow:
    """One crowd camera over the last hours, from its counts (never a frame, never a person)."""

    camera: str
    name: str
    threshold: int
    latest: float  # average count of the latest hour with counts
    highest: int
    hours_above: int  # hours whose average count was above the threshold
    hours: int  # hours with counts
    commune_id: int | None = None

    @property
    def key(self) -> int:
        """A stable number for the camera (where the map draws it inside its commune)."""
        return zlib.crc32(self.camera.encode())


def crowding(*, user, area: Area, hours: int = 24) -> list[CrowdRow]:
    """The crowd cameras of the area (those the user may see) over the last `hours`: next to the check-ins,
    where people gather in the street. Cameras with no count in the period are left out."""
    by_camera: dict[str, list[dict]] = defaultdict(list)
    inside = (
        set(Commune.objects.filter(province_id=area.province_id).values_list("pk", flat=True))
        if area.commune_id is None and area.province_id is not None
        else None
    )
    for row in crowd_hourly(user=user, since=now() - timedelta(hours=hours), commune_id=area.commune_id):
        if inside is None or row["commune_code"] in inside:
            by_camera[row["camera"]].append(row)
    out = []
    for rows in by_camera.values():
        rows.sort(key=lambda r: r["hour"])
        threshold = rows[0]["threshold"]
        out.append(
            CrowdRow(
                camera=rows[0]["camera"],
                name=rows[0]["name"],
                threshold=threshold,
                latest=rows[-1]["average"],
                highest=max(r["highest"] for r in rows),
                hours_above=sum(1 for r in rows if r["average"] > threshold),
                hours=len(rows),
                commune_id=rows[0]["commune_code"],
            )
        )
    return sorted(out, key=lambda r: (-r.hours_above, -r.highest, r.name))


# --- The map (communes by level, clusters, crowded places), drawn with no tile server

CROWDED_SHARE = 1.0  # a venue is crowded when the people inside reach its capacity


def _spread(lat: float, lon: float, key: int, area_km2: float | None) -> tuple[float, float]:
    """A point near a commune's centroid for a place inside it (venues and cameras have no coordinates
    of their own): a fixed angle and distance from the place's id, within about a third of the commune's
    radius, so places of one commune do not hide each other and never move between two loads."""
    radius_km = math.sqrt((area_km2 or 4.0) / math.pi) / 3
    angle = (key * 137.508) % 360  # the golden angle: neighbours in id fall far apart
    distance = radius_km * (0.35 + 0.65 * ((key * 7919) % 100) / 100)
    dlat = distance / 111.0 * math.sin(math.radians(angle))
    dlon = distance / (111.0 * max(math.cos(math.radians(lat)), 0.1)) * math.cos(math.radians(angle))
    return round(lat + dlat, 5), round(lon + dlon, 5)


@dataclass(frozen=True)
class MapCommune:
    code: int
    name: str
    lat: float
    lon: float
    level: int | None
    rate: float | None
    day: date | None


@dataclass(frozen=True)
class MapPlace:
    kind: str  # "cluster", "venue" (at or over capacity) or "camera" (above its threshold)
    name: str
    commune: str
    lat: float
    lon: float
    count: int  # cases of a cluster, people inside a venue, the camera's latest hourly average
    limit: int | None  # the venue's capacity or the camera's threshold


@dataclass(frozen=True)
class MapData:
    communes: list[MapCommune]
    places: list[MapPlace]
    unplaced: int  # communes of the jurisdiction without a known position

    def as_json(self) -> dict:
        return {
            "communes": [
                {
                    "code": c.code,
                    "name": c.name,
                    "lat": c.lat,
                    "lon": c.lon,
                    "level": c.level,
                    "rate": None if c.rate is None else round(c.rate, 1),
                }
                for c in self.communes
            ],
            "places": [
                {
                    "kind": p.kind,
                    "name": p.name,
                    "commune": p.commune,
                    "lat": p.lat,
                    "lon": p.lon,
                    "count": p.count,
                    "limit": p.limit,
                }
                for p in self.places
            ],
        }


def map_data(*, user) -> MapData:
    """Every commune of the user's jurisdiction at its centroid with its latest level; the clusters and the
    crowded places now (venues at or over capacity, crowd cameras above their threshold in the latest
    hour), each drawn inside its commune. Read models only."""
    positions = commune_positions()
    latest = level_briefs(user=user)
    names = dict(commune_list_in_jurisdiction(user=user).values_list("pk", "name"))
    communes = []
    for code, name in names.items():
        pos = positions.get(code)
        if pos is None:
            continue
        row = latest.get(code)
        communes.append(
            MapCommune(
                code,
                name,
                pos.lat,
                pos.lon,
                row.level if row else None,
                row.rate if row else None,
                row.day if row else None,
            )
        )
    communes.sort(key=lambda c: (-(c.level or 0), -(c.rate or 0), c.name))
    places: list[MapPlace] = []

    def place(kind: str, key: int, commune_id: int, name: str, count: int, limit: int | None) -> None:
        pos = positions.get(commune_id)
        if pos is None or commune_id not in names:
            return
        lat, lon = _spread(pos.lat, pos.lon, key, pos.area_km2)
        places.append(MapPlace(kind, name, names[commune_id], lat, lon, count, limit))

    clusters = jurisdiction_filter(ClusterSpot.objects.all(), user=user, commune_path="commune")
    for venue_id, commune_id, name, cases in clusters.order_by("-cases", "name").values_list(
        "venue_id", "commune_id", "name", "cases"
    )[:500]:
        place("cluster", venue_id, commune_id, name, cases, None)
    for v in crowded_venues(user=user, limit=500):
        place("venue", v.venue_id, v.commune_id, v.name, v.people, v.capacity)
    for cam in crowding(user=user, area=Area(None, ""), hours=2):
        if cam.latest > cam.threshold and cam.commune_id is not None:
            place("camera", cam.key, cam.commune_id, cam.name, round(cam.latest), cam.threshold)
    return MapData(communes, places, len(names) - len(communes))


@dataclass(frozen=True)
class CrowdedVenue:
    venue_id: int
    commune_id: int
    name: str
    sector: str
    people: int
    capacity: int


def crowded_venues(*, user, commune_id: int | None = None, limit: int = 50) -> list[CrowdedVenue]:
    """Venues of the jurisdiction whose people inside (last snapshot) reach CROWDED_SHARE of their
    capacity, fullest first (read as columns: the map asks for hundreds)."""
    qs = jurisdiction_filter(VenueOccupancy.objects.all(), user=user, commune_path="commune").filter(
        capacity__gt=0, people__gte=F("capacity") * CROWDED_SHARE
    )
    if commune_id is not None:
        qs = qs.filter(commune_id=commune_id)
    columns = ("venue_id", "commune_id", "name", "sector", "people", "capacity")
    rows = [CrowdedVenue(*r) for r in qs.values_list(*columns)[: limit * 4]]
    rows.sort(key=lambda r: (-r.people / r.capacity, -r.people, r.name))
    return rows[:limit]


# --- Open data (public: aggregates only, small counts suppressed, cached)

OPEN_CACHE_SECONDS = 600
_OPEN_GENERATION = "dashboards:open:generation"


def open_generation() -> str:
    """Changes whenever the counts or levels are rebuilt (services call open_data_changed): cached open data
    of an older generation is never served."""
    return cache.get_or_set(_OPEN_GENERATION, lambda: uuid.uuid4().hex, None)


def open_data_changed() -> None:
    cache.set(_OPEN_GENERATION, uuid.uuid4().hex, None)


def open_rows(*, province_code: int, since: date, until: date) -> list[opendata.OpenRow]:
    """Each commune of the province on each day from `since` to `until` with a count or a level, as
    published (opendata.suppress on every count). Public: no user, no person; cached."""
    key = f"dashboards:open:{open_generation()}:{province_code}:{since}:{until}"
    rows = cache.get(key)
    if rows is None:
        rows = _open_rows(province_code=province_code, since=since, until=until)
        cache.set(key, rows, OPEN_CACHE_SECONDS)
    return rows


def open_csv(*, province_code: int, since: date, until: date) -> bytes:
    """`open_rows` as the CSV file (core.export's writer), kept compressed in the cache of the same
    generation: writing 10,000 rows cost more than everything else of the request."""
    key = f"dashboards:open:csv:{open_generation()}:{province_code}:{since}:{until}"
    packed = cache.get(key)
    if packed is None:
        rows = open_rows(province_code=province_code, since=since, until=until)
        data = export.csv_bytes(
            export.Sheet(title="open-data", header=opendata.HEADER, rows=(r.as_cells() for r in rows))
        )
        packed = zlib.compress(data, 6)
        cache.set(key, packed, OPEN_CACHE_SECONDS)
        return data
    return zlib.decompress(packed)


def _open_rows(*, province_code: int, since: date, until: date) -> list[opendata.OpenRow]:
    province = Province.objects.filter(pk=province_code).first()
    if province is None:
        raise NotFound("province")
    names = dict(province.communes.values_list("pk", "name"))
    counts = {
        (r.commune_id, r.day): (r.confirmed, r.onset, r.samples, r.resulted, r.positives)
        for r in CommuneDayCount.objects.filter(
            commune__province_id=province_code, day__gte=since, day__lte=until
        )
    }
    levels = {
        (code, day): level
        for code, day, level in LevelAssessment.objects.filter(
            kind=PlaceKind.COMMUNE, code__in=list(names), day__gte=since, day__lte=until
        ).values_list("code", "day", "level")
    }
    out = []
    for commune, day in sorted(set(counts) | set(levels), key=lambda k: (k[1], names.get(k[0], ""), k[0])):
        if commune not in names:
            continue
        out.append(
            opendata.open_row(
                day=day,
                province_code=province.pk,
                province=province.name,
                commune_code=commune,
                commune=names[commune],
                counts=counts.get((commune, day), (0, 0, 0, 0, 0)),
                level=levels.get((commune, day)),
            )
        )
    return out


@dataclass(frozen=True)
class SafeVenue:
    """A venue on the public safe-venue map: where it is, its sector, its QR and its status."""

    code: str
    name: str
    sector: str
    lat: float
    lon: float
    risk: str  # "high" or "medium" (in the risky-venue feed of the last 14 days), "" otherwise
    safety: str = ""  # the owner's self-assessed status in force: "safe", "at_risk", "high_risk"; "" none
    safety_until: date | None = None


SAFE_VENUE_DAYS = 14
# Events are often private (a wedding, a funeral): never on the public map nor in the open data.
NEVER_PUBLIC = frozenset({Sector.EVENT})


def safe_venues(*, commune_id: int) -> list[SafeVenue]:
    """The active venues (QR poster up, events left out) of one commune with their status from tracing's public
    risky-venue feed of the last 14 days and their owner's COVID-safety self-assessment in force (venues'
    `safety_statuses`); placed inside the commune (venues have no coordinates). Cached (OPEN_CACHE_SECONDS:
    a new self-assessment shows within 10 minutes)."""
    key = f"dashboards:safe:{open_generation()}:{commune_id}"
    rows = cache.get(key)
    if rows is None:
        pos = commune_positions().get(commune_id)
        risk = _risky_venue_codes()
        rows = []
        places = [p for p in venue_places_in(commune_id=commune_id) if p.sector not in NEVER_PUBLIC]
        assessed = safety_statuses(venue_ids=[p.id for p in places], on=local_today())
        for place in places:
            lat, lon = _spread(pos.lat, pos.lon, place.id, pos.area_km2) if pos else (0.0, 0.0)
            own = assessed.get(place.id)
            rows.append(
                SafeVenue(
                    place.code,
                    place.name,
                    place.sector,
                    lat,
                    lon,
                    risk.get(place.code, ""),
                    own.status if own else "",
                    own.valid_until if own else None,
                )
            )
        cache.set(key, rows, OPEN_CACHE_SECONDS)
    return rows


def open_venues(*, province_code: int) -> list[opendata.OpenVenue]:
    """The safe-venue statuses of a province as published (open data): the active venues, events left out,
    whose owner's self-assessment is in force today (venues' `safety_published_in`, the rule the map reads
    through `safety_statuses`), by commune and name. A venue never assessed or whose assessment expired is
    not listed (the map shows it as not assessed). Public: no person; cached for OPEN_CACHE_SECONDS (a new
    self-assessment shows within that time) whatever the cases do (the counts' generation changes with
    every case; the statuses do not depend on cases)."""
    today = local_today()
    key = f"dashboards:open:venues:{province_code}:{today}"
    rows = cache.get(key)
    if rows is None:
        province = Province.objects.filter(pk=province_code).first()
        if province is None:
            raise NotFound("province")
        names = dict(province.communes.values_list("pk", "name"))
        rows = [
            opendata.OpenVenue(
                province.pk,
                province.name,
                v.commune_id,
                names.get(v.commune_id, ""),
                v.code,
                v.name,
                v.sector,
                v.status,
                v.valid_until,
            )
            for v in safety_published_in(province_id=province.pk, on=today)
            if v.sector not in NEVER_PUBLIC
        ]
        cache.set(key, rows, OPEN_CACHE_SECONDS)
    return rows


def _risky_venue_codes() -> dict[str, str]:
    key = "dashboards:safe:feed"
    found = cache.get(key)
    if found is None:
        found = {}
        try:
            feed = risky_venue_feed(days=SAFE_VENUE_DAYS)
        except NotFound:  # no tracing policy on record yet: no venue is known to be risky
            feed = []
        for entry in feed:
            if found.get(entry["venue_code"]) != "high":
                found[entry["venue_code"]] = entry["risk_level"]
        cache.set(key, found, OPEN_CACHE_SECONDS)
    return found


# --- Panels of other domains: vaccination coverage, care capacity (shown when the domain provides them)


@dataclass(frozen=True)
class CoverageRow:
    band: str
    people: int
    dose1: int
    dose2: int
    dose3: int

    def percent(self, n: int) -> float | None:
        return n * 100 / self.people if self.people else None

    @property
    def dose1_percent(self) -> float | None:
        return self.percent(self.dose1)

    @property
    def dose2_percent(self) -> float | None:
        return self.percent(self.dose2)

    @property
    def dose3_percent(self) -> float | None:
        return self.percent(self.dose3)


def coverage_panel(*, user, area: Area) -> list[CoverageRow]:
    """Vaccination coverage of the area by age band, adults (18+) summed last; empty when no coverage is
    on record (vaccination not in use)."""
    qs = area.narrow(jurisdiction_filter(CoverageCount.objects.all(), user=user, commune_path="commune"))
    sums = {
        r["band"]: r
        for r in qs.values("band")
        .annotate(p=Sum("people"), d1=Sum("dose1"), d2=Sum("dose2"), d3=Sum("dose3"))
        .order_by()
    }
    if not sums or not any(r["d1"] for r in sums.values()):
        return []
    order = ["0-11", "12-17", *ADULT_BANDS, "?"]
    rows = [
        CoverageRow(band, sums[band]["p"], sums[band]["d1"], sums[band]["d2"], sums[band]["d3"])
        for band in sorted(sums, key=lambda b: order.index(b) if b in order else len(order))
    ]
    adults = [r for r in rows if r.band in ADULT_BANDS]
    rows.append(
        CoverageRow(
            "18+",
            sum(r.people for r in adults),
            sum(r.dose1 for r in adults),
            sum(r.dose2 for r in adults),
            sum(r.dose3 for r in adults),
        )
    )
    return rows


def care_selectors():
    """The care domain's selectors module when that domain is installed (it is above vaccination and below
    the dashboards in the layers), else None: the care panels appear by themselves once it lands."""
    if "care" not in DOMAINS:
        return None
    return import_module("epiqr.care.selectors")


@dataclass(frozen=True)
class CarePanel:
    beds: list[dict]  # per province, tier and kind: total, occupied, reserved, free
    by_setting: list[tuple[str, int]]  # active patients by care setting (status label, count)
    total: int
    free: int


def care_panel(*, user) -> CarePanel | None:
    """Treatment capacity (beds by tier and kind) and active cases by care setting in the user's area, from
    the care domain's selectors; None while that domain is not installed or offers neither."""
    care = care_selectors()
    if care is None:
        return None
    beds = care.capacity_by_province_tier(user=user) if hasattr(care, "capacity_by_province_tier") else []
    settings_ = (
        care.patient_counts_by_setting(user=user) if hasattr(care, "patient_counts_by_setting") else {}
    )
    labels = _care_status_labels()
    return CarePanel(
        beds=beds,
        by_setting=[(labels.get(k, k), n) for k, n in sorted(settings_.items())],
        total=sum(b["total"] for b in beds),
        free=sum(b["free"] for b in beds),
    )


def _care_status_labels() -> dict[str, str]:
    try:
        models = import_module("epiqr.care.models")
    except ModuleNotFoundError:
        return {}
    status = getattr(models, "PatientStatus", None)
    return {k: str(v) for k, v in status.choices} if status is not None else {}
