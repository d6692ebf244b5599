from datetime import timedelta

from django.contrib import messages
from django.shortcuts import redirect, render
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from epiqr.accounts.selectors import commune_list_in_jurisdiction
from epiqr.core.audit import WRITE_THEN_REDIRECT, no_personal_data
from epiqr.core.input_guard import int_or_none
from epiqr.core.permissions import has_capability, requires
from epiqr.core.replica import replica_ok
from epiqr.core.timeutil import local_today
from epiqr.geo.models import Province

from . import charts, permissions, selectors, services
from .levels import POLICIES
from .presenting import LEVEL_COLOURS, LEVEL_LABELS, reason_text

PERIODS = (14, 28, 90)
POLICY_SOURCES = {p.id: p.source for p in POLICIES}


def _area(request) -> selectors.Area:
    return selectors.area_for(
        user=request.user,
        commune_id=int_or_none(request.GET.get("commune")),
        province_id=int_or_none(request.GET.get("province")),
    )


def _area_choices(user, area) -> dict:
    """The area form's choices: the communes of the jurisdiction; for the whole country, the provinces and
    the communes of the province chosen (3,321 options would not be usable)."""
    communes = commune_list_in_jurisdiction(user=user)
    if not selectors.multi_province(user):
        return {"communes": communes, "province_choices": None}
    if area.province_id is None:
        communes = communes.none()
    return {
        "communes": communes.filter(province_id=area.province_id),
        "province_choices": Province.objects.order_by("name").values_list("pk", "name"),
    }


def _level_view(row):
    if row is None:
        return None
    return {
        "row": row,
        "label": LEVEL_LABELS.get(row.level, LEVEL_LABELS[None]),
        "colour": LEVEL_COLOURS.get(row.level, "grey"),
        "reasons": [reason_text(r) for r in row.reasons],
        "source": POLICY_SOURCES.get(row.policy, row.policy),
    }


@requires(permissions.VIEW)
@no_personal_data("epidemic levels and counts by commune and province: aggregates, nobody's data")
@replica_ok()
def home(request):
    """The epidemic dashboard of the officer's jurisdiction or one commune of it."""
    days = int_or_none(request.GET.get("days"))
    days = days if days in PERIODS else PERIODS[0]
    area = _area(request)
    until = local_today()
    since = until - timedelta(days=days - 1)
    curve = selectors.epidemic_curve(user=request.user, area=area, since=since, until=until)
    chart = charts.bars_with_line([d.confirmed for d in curve], [d.confirmed_avg for d in curve])
    onset_chart = charts.bars_with_line([d.onset for d in curve], [d.onset_avg for d in curve])
    # a province opened: its communes' levels only (its counts by level and its commune table)
    latest = selectors.level_briefs(
        user=request.user, province_id=area.province_id if area.commune_id is None else None
    )
    # The whole country (3,321 communes) is shown by province, each opening its communes (every one listed).
    by_province = (
        area.province_id is None and area.commune_id is None and selectors.multi_province(request.user)
    )
    provinces = (
        selectors.province_table(user=request.user, since=since, until=until, latest=latest)
        if by_province
        else None
    )
    rows = (
        []
        if by_province
        else selectors.commune_table(
            user=request.user,
            since=since,
            until=until,
            latest=latest,
            commune_id=area.commune_id,
            province_id=area.province_id,
        )
    )
    summed = provinces if provinces is not None else rows
    activity = selectors.activity(user=request.user, area=area, since=since, until=until)
    activity_chart = charts.bars_with_line(
        [d.checkins for d in activity], selectors.trailing_mean([d.checkins for d in activity])
    )
    totals = {
        "confirmed": sum(d.confirmed for d in curve),
        "active": sum(r.active for r in summed),
        "quarantined": sum(r.quarantined for r in summed),
        "samples": sum(r.samples for r in summed),
        "resulted": sum(r.resulted for r in summed),
        "positives": sum(r.positives for r in summed),
    }
    totals["positivity"] = totals["positives"] * 100 / totals["resulted"] if totals["resulted"] else None
    counts = selectors.level_counts(latest)
    return render(
        request,
        "dashboards/home.html",
        {
            "area": area,
            "days": days,
            "periods": PERIODS,
            "since": since,
            "until": until,
            "curve": curve,
            "chart": chart,
            "onset_chart": onset_chart,
            "activity": activity,
            "activity_chart": activity_chart,
            "crowding": selectors.crowding(user=request.user, area=area),
            "coverage": selectors.coverage_panel(user=request.user, area=area),
            "care": selectors.care_panel(user=request.user),
            "rows": rows,
            "provinces": provinces,
            "totals": totals,
            "level": _level_view(selectors.area_level(user=request.user, area=area)),
            "level_counts": [
                (LEVEL_LABELS[k], LEVEL_COLOURS[k], counts.get(k, 0)) for k in (4, 3, 2, 1, None)
            ],
            **_area_choices(request.user, area),
            "may_recompute": has_capability(request.user, permissions.RECOMPUTE),
        },
    )


@requires(permissions.VIEW)
@no_personal_data("the latest epidemic level of each place of the jurisdiction: aggregates")
@replica_ok()
def levels_list(request):
    """Every commune (or province) of the jurisdiction with its latest level and the reasons, paged and
    filtered (core.lists): the whole country's 3,321 communes for an administrator."""
    page = selectors.LEVELS.get(
        selectors.level_rows_visible_to(user=request.user), request.GET, user=request.user
    )
    names = selectors.place_names(page.items)
    rows = [
        {**_level_view(r), "name": names.get((r.kind, r.code), ("", ""))[0],
         "province": names.get((r.kind, r.code), ("", ""))[1]}
        for r in page.items
    ]  # fmt: skip
    return render(
        request,
        "dashboards/levels.html",
        {"page": page, "rows": rows},
        status=400 if page.query.errors else 200,
    )


@requires(permissions.VIEW)
@no_personal_data("an area's epidemic levels over time: aggregates")
@replica_ok()
def level_history(request, kind: str, code: int):
    rows = selectors.level_history(user=request.user, kind=kind, code=code)
    return render(
        request,
        "dashboards/level_history.html",
        {"kind": kind, "code": code, "rows": [_level_view(r) for r in rows]},
    )


@require_POST
@requires(permissions.RECOMPUTE)
@no_personal_data(WRITE_THEN_REDIRECT)
def recompute(request):
    """On demand: rebuild the last two weeks' counts and grade today's levels again."""
    today = local_today()
    services.day_counts_refresh(days={today - timedelta(days=i) for i in range(14)})
    n = services.levels_recompute(day=today, trigger="on_demand")
    messages.success(request, _("Levels recomputed for %(n)s places.") % {"n": n})
    return redirect("dashboards:home")


@requires(permissions.VIEW)
@no_personal_data("communes by epidemic level, clusters and crowded places as counts: nobody's data")
def map_page(request):
    """The offline map: communes coloured by level, clusters and crowded places, and the same as tables."""
    data = selectors.map_data(user=request.user)
    return render(
        request,
        "dashboards/map.html",
        {
            "data": data,
            "payload": data.as_json(),
            "legend": [(LEVEL_LABELS[k], LEVEL_COLOURS[k]) for k in (4, 3, 2, 1, None)],
            "level_labels": {str(k): str(v) for k, v in LEVEL_LABELS.items() if k is not None},
            "clusters": [p for p in data.places if p.kind == "cluster"],
            "crowded": [p for p in data.places if p.kind != "cluster"],
        },
    )


@requires(permissions.VIEW)
@no_personal_data("check-ins, declarations and people inside venues as counts: nobody's data")
def activity_page(request):
    """Activity and crowding: check-ins per day and by hour, venues with check-ins, declarations, by commune
    and by sector; people inside venues now against their capacity; the crowded places now."""
    days = int_or_none(request.GET.get("days"))
    days = days if days in PERIODS else PERIODS[0]
    area = _area(request)
    until = local_today()
    since = until - timedelta(days=days - 1)
    daily = selectors.activity(user=request.user, area=area, since=since, until=until)
    hours = selectors.activity_hours(user=request.user, area=area, since=since, until=until)
    occupancy = selectors.occupancy_now(user=request.user, area=area)
    return render(
        request,
        "dashboards/activity.html",
        {
            "area": area,
            "days": days,
            "periods": PERIODS,
            "daily": daily,
            "daily_chart": charts.bars_with_line(
                [d.checkins for d in daily], selectors.trailing_mean([d.checkins for d in daily])
            ),
            "hours": list(enumerate(hours)),
            "hours_chart": charts.bars_with_line(hours),
            "totals": {
                "checkins": sum(d.checkins for d in daily),
                "venues_today": daily[-1].venues if daily else 0,
                "declarations": sum(d.declarations for d in daily),
                "flagged": sum(d.flagged for d in daily),
            },
            "by_commune": []
            if area.commune_id is not None
            else selectors.activity_by(user=request.user, area=area, since=since, until=until, by="commune"),
            "by_sector": selectors.activity_by(
                user=request.user, area=area, since=since, until=until, by="sector"
            ),
            "occupancy": occupancy,
            "occupancy_percent": occupancy.people_with_capacity * 100 / occupancy.capacity
            if occupancy.capacity
            else None,
            "crowded_share": int(selectors.CROWDED_SHARE * 100),
            "crowding": selectors.crowding(user=request.user, area=area),
            **_area_choices(request.user, area),
        },
    )
