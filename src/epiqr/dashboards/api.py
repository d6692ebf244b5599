"""The dashboards' JSON for other screens (a wall display, a province's own portal): the same read models as
the pages, in the caller's jurisdiction, counts only. Every operation needs `dashboards.view` (deployment:
`dashboards.deployment`); a commune outside the jurisdiction is a 404. Every operation is a heavy read the
streaming replica may serve (`replica_ok`: read models, rebuilt by jobs, that can be a few seconds old;
nothing here shows what the caller has just written)."""

from datetime import date, datetime, timedelta
from typing import Literal

from django.http import JsonResponse
from django.utils.translation import gettext as _
from ninja import Field, Query, Router, Schema

from epiqr.core.api_schema import Code, Day, errors
from epiqr.core.audit import no_personal_data
from epiqr.core.errors import Invalid
from epiqr.core.lists import api_page, api_params, api_query
from epiqr.core.permissions import check_capability
from epiqr.core.replica import replica_ok
from epiqr.core.timeutil import local_today

from . import permissions, selectors
from .presenting import reason_text

router = Router(tags=["dashboards"])
MAX_DAYS = 366
AGGREGATES = "aggregates of the caller's jurisdiction: counts, levels and places, nobody's data"


class DashboardAreaQuery(Schema):
    commune: Code | None = Field(None, description="one commune of your jurisdiction (default: all of it)")
    since: Day | None = Field(None, description="first local day (default: 13 days before `until`)")
    until: Day | None = Field(None, description="last local day (default: today in Vietnam)")


def _area_days(request, params: DashboardAreaQuery):
    check_capability(request.user, permissions.VIEW)
    until = params.until or local_today()
    since = params.since or until - timedelta(days=13)
    if since > until:
        raise Invalid(_("The first day comes after the last day."), field="since")
    if (until - since).days + 1 > MAX_DAYS:
        raise Invalid(_("At most %(n)s days at once.") % {"n": MAX_DAYS}, field="since")
    area = selectors.area_for(user=request.user, commune_id=params.commune)
    return area, since, until


class DashboardCurveDayOut(Schema):
    day: date
    confirmed: int = Field(description="new cases by confirmation date")
    onset: int = Field(description="new cases by symptom onset")
    confirmed_avg: float = Field(description="7-day trailing mean of `confirmed`")
    onset_avg: float


@router.get("/curve", response={200: list[DashboardCurveDayOut], **errors(403, 404)})
@no_personal_data(AGGREGATES)
@replica_ok()
def curve(request, params: Query[DashboardAreaQuery]):
    """The epidemic curve of the area: new cases per day by confirmation and by onset, with 7-day means."""
    area, since, until = _area_days(request, params)
    return [
        {
            "day": d.day,
            "confirmed": d.confirmed,
            "onset": d.onset,
            "confirmed_avg": round(d.confirmed_avg, 2),
            "onset_avg": round(d.onset_avg, 2),
        }
        for d in selectors.epidemic_curve(user=request.user, area=area, since=since, until=until)
    ]


class DashboardActivityDayOut(Schema):
    day: date
    checkins: int
    venues: int = Field(description="venues with at least one check-in that day")
    declarations: int
    flagged: int = Field(description="declarations flagged for follow-up")


@router.get("/activity", response={200: list[DashboardActivityDayOut], **errors(403, 404)})
@no_personal_data(AGGREGATES)
@replica_ok()
def activity(request, params: Query[DashboardAreaQuery]):
    """Check-ins, venues with check-ins and health declarations per local day in the area."""
    area, since, until = _area_days(request, params)
    return [
        {
            "day": d.day,
            "checkins": d.checkins,
            "venues": d.venues,
            "declarations": d.declarations,
            "flagged": d.flagged,
        }
        for d in selectors.activity(user=request.user, area=area, since=since, until=until)
    ]


class DashboardHoursOut(Schema):
    since: date
    until: date
    hours: list[int] = Field(description="24 counts of check-ins, index = local hour (Vietnam time)")


@router.get("/activity/hours", response={200: DashboardHoursOut, **errors(403, 404)})
@no_personal_data(AGGREGATES)
@replica_ok()
def activity_hours(request, params: Query[DashboardAreaQuery]):
    """Check-ins by local hour over the days asked for."""
    area, since, until = _area_days(request, params)
    return {
        "since": since,
        "until": until,
        "hours": selectors.activity_hours(user=request.user, area=area, since=since, until=until),
    }


class DashboardVenueNowOut(Schema):
    venue_id: int
    name: str
    commune_code: int
    sector: str
    people: int = Field(description="people probably inside (checked in within the hour, not out)")
    capacity: int | None


class DashboardOccupancyOut(Schema):
    at: datetime | None = Field(description="when the snapshot was taken (every 5 minutes)")
    people: int
    capacity: int = Field(description="capacity of the venues with people inside that declared one")
    venues: int
    fullest: list[DashboardVenueNowOut]
    crowded: list[DashboardVenueNowOut] = Field(description="venues at or over their capacity")


class DashboardCommuneQuery(Schema):
    commune: Code | None = Field(None, description="one commune of your jurisdiction (default: all of it)")


def _venue_now(v) -> dict:
    return {
        "venue_id": v.venue_id,
        "name": v.name,
        "commune_code": v.commune_id,
        "sector": v.sector,
        "people": v.people,
        "capacity": v.capacity,
    }


@router.get("/occupancy", response={200: DashboardOccupancyOut, **errors(403, 404)})
@no_personal_data(AGGREGATES)
@replica_ok()
def occupancy(request, params: Query[DashboardCommuneQuery]):
    """People inside the venues of the area now against their capacity; the fullest and the crowded ones."""
    check_capability(request.user, permissions.VIEW)
    area = selectors.area_for(user=request.user, commune_id=params.commune)
    now_ = selectors.occupancy_now(user=request.user, area=area)
    return {
        "at": now_.at,
        "people": now_.people,
        "capacity": now_.capacity,
        "venues": now_.venues,
        "fullest": [_venue_now(v) for v in now_.rows],
        "crowded": [
            _venue_now(v) for v in selectors.crowded_venues(user=request.user, commune_id=area.commune_id)
        ],
    }


class DashboardLevelOut(Schema):
    kind: str
    code: int
    day: date
    level: int | None = Field(description="1 (low) to 4 (very high); null: no population on record")
    rate: float | None = Field(description="new cases per 100,000 people in 7 days")
    policy: str
    reasons: list[str] = Field(description="why, in the language of the request")


def _level(row) -> dict:
    return {
        "kind": row.kind,
        "code": row.code,
        "day": row.day,
        "level": row.level,
        "rate": None if row.rate is None else round(row.rate, 2),
        "policy": row.policy,
        "reasons": [reason_text(r) for r in row.reasons],
    }


DashboardLevelPage = api_page(DashboardLevelOut, name="DashboardLevelPage")
DashboardLevelsQuery = api_query(selectors.LEVELS)


@router.get("/levels", response={200: DashboardLevelPage, **errors(403, 422)})
@no_personal_data(AGGREGATES)
@replica_ok()
def levels_latest(request, params: Query[DashboardLevelsQuery]):  # type: ignore[valid-type]
    """The latest epidemic level of every commune (`kind=commune`, the default) or province of your
    jurisdiction, with its reasons, paged (`page`, `page_size` at most 200), highest level first; filters:
    `province` (a province code of your jurisdiction) and `level` (1 to 4, or `none`). There are no
    districts since 1 July 2025. 422: a filter, sort or page size that cannot be used."""
    check_capability(request.user, permissions.VIEW)
    page = selectors.LEVELS.get(
        selectors.level_rows_visible_to(user=request.user), api_params(params), user=request.user, strict=True
    )
    return page.as_api([_level(r) for r in page.items], path=request.path)


@router.get("/levels/{kind}/{code}", response={200: list[DashboardLevelOut], **errors(403, 404)})
@no_personal_data(AGGREGATES)
@replica_ok()
def level_history(request, kind: Literal["commune", "province"], code: Code):
    """A place's levels day by day, newest first (at most 90)."""
    check_capability(request.user, permissions.VIEW)
    return [_level(r) for r in selectors.level_history(user=request.user, kind=kind, code=code)]


class DashboardMapCommuneOut(Schema):
    code: int
    name: str
    lat: float
    lon: float
    level: int | None
    rate: float | None


class DashboardMapPlaceOut(Schema):
    kind: Literal["cluster", "venue", "camera"]
    name: str
    commune: str
    lat: float = Field(description="drawn inside its commune (venues and cameras have no coordinates)")
    lon: float
    count: int = Field(description="cases of a cluster, people inside a venue, a camera's latest average")
    limit: int | None = Field(description="the venue's capacity or the camera's threshold")


class DashboardMapOut(Schema):
    communes: list[DashboardMapCommuneOut]
    places: list[DashboardMapPlaceOut]


@router.get("/map", response={200: DashboardMapOut, **errors(403)})
@no_personal_data(AGGREGATES)
@replica_ok()
def map_data(request):
    """What the offline map draws: communes at their centroid with their level, clusters, crowded places."""
    check_capability(request.user, permissions.VIEW)
    # Encoded directly, in the shape of DashboardMapOut: validating our own 3,321 communes again cost more
    # than reading and placing them (the whole country's map).
    return JsonResponse(selectors.map_data(user=request.user).as_json())


class DashboardProgressOut(Schema):
    key: str
    label: str
    required: int
    deployed: int = Field(description="matched to a venue whose QR poster is active")
    active: int = Field(description="deployed, with a scan in the last 7 days")
    not_deployed: int
    review: int = Field(description="matches waiting for an officer's review")
    deadline: date | None


class DashboardProgressQuery(Schema):
    by: Literal["sector", "agency", "commune"] = "sector"


@router.get("/deployment", response={200: list[DashboardProgressOut], **errors(403)})
@no_personal_data("units required, deployed and active per sector, agency or commune: counts")
@replica_ok()
def deployment(request, params: Query[DashboardProgressQuery]):
    """The QR deployment campaign's progress in your jurisdiction, by sector (with its deadline), agency or
    commune, least advanced first."""
    check_capability(request.user, permissions.DEPLOYMENT)
    deadlines = {k: d.deadline for k, d in selectors.deadlines_for(user=request.user).items()}
    rows = selectors.progress_rows(
        targets=selectors.targets_visible_to(user=request.user), by=params.by, deadlines=deadlines
    )
    return [
        {
            "key": str(r.key),
            "label": r.label,
            "required": r.required,
            "deployed": r.deployed,
            "active": r.active,
            "not_deployed": r.not_deployed,
            "review": r.review,
            "deadline": r.deadline,
        }
        for r in rows
    ]
