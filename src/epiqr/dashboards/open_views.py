"""Open data, public on purpose: aggregates per commune and day with small counts suppressed, the venues'
self-assessed safety statuses in force (CSV, XLSX and in the JSON), and the safe-venue map (venues with
their QR up and their status in the public risky-venue feed). No person."""

import json
import zlib
from datetime import date, timedelta

from django.contrib.auth.decorators import login_not_required
from django.core.cache import cache
from django.core.serializers.json import DjangoJSONEncoder
from django.http import HttpResponse, JsonResponse
from django.shortcuts import render
from django.template.loader import render_to_string
from django.utils.safestring import mark_safe
from django.utils.translation import get_language
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET

from epiqr.core import export
from epiqr.core.audit import no_personal_data
from epiqr.core.errors import NotFound
from epiqr.core.input_guard import int_or_none
from epiqr.core.timeutil import local_today
from epiqr.core.views import error_page
from epiqr.geo.models import Commune
from epiqr.geo.selectors import province_list
from epiqr.venues.models import SafetyStatus

from . import opendata, selectors
from .models import Sector

PUBLIC = "open data: counts per commune and day with small counts suppressed, levels; nobody's data"
VENUES_PUBLIC = (
    "open data: venues' self-assessed safety statuses (places, as on their posters); nobody's data"
)


class BadQuery(ValueError):
    pass


def _day(text: str | None, default: date) -> date:
    if not text:
        return default
    try:
        day = date.fromisoformat(text)
    except ValueError as exc:
        raise BadQuery(_("A day is written YYYY-MM-DD, for example 2026-12-03.")) from exc
    if not date(2020, 1, 1) <= day <= date(2100, 12, 31):
        raise BadQuery(_("That day is outside the data."))
    return day


def _query(params) -> tuple[int | None, date, date]:
    """The province and the days asked for; BadQuery with a message a person can act on."""
    until = _day(params.get("until"), local_today())
    since = _day(params.get("since"), until - timedelta(days=opendata.DEFAULT_DAYS - 1))
    if since > until:
        raise BadQuery(_("The first day comes after the last day."))
    if (until - since).days + 1 > opendata.MAX_DAYS:
        raise BadQuery(_("One download covers at most %(n)s days.") % {"n": opendata.MAX_DAYS})
    raw = params.get("province")
    province = int_or_none(raw)
    if raw and province is None:
        raise BadQuery(_("Choose a province from the list."))
    return province, since, until


@login_not_required
@require_GET
@no_personal_data(PUBLIC)
def open_home(request):
    """The public open-data page: choose a province and days, see the table, download CSV or JSON."""
    try:
        province, since, until = _query(request.GET)
        rows = selectors.open_rows(province_code=province, since=since, until=until) if province else []
    except BadQuery as exc:
        return error_page(request, status=400, message=str(exc))
    except NotFound:
        return error_page(request, status=404, message=_("No such province."))
    return render(
        request,
        "dashboards/open.html",
        {
            "provinces": province_list(),
            "province": province,
            "since": since,
            "until": until,
            "table": _open_table(rows[-500:], key=(province, since, until)) if province else "",
            "shown_all": len(rows) <= 500,
            "count": len(rows),
            "threshold": opendata.SUPPRESS_BELOW,
            "venue_count": len(selectors.open_venues(province_code=province)) if province else 0,
            "query": request.GET.urlencode(),
        },
    )


def _open_table(rows: list, *, key: tuple) -> str:
    """The page's table of the last 500 rows, rendered once per generation of the open data, query and
    language (rendering 500 rows cost more than the rest of the request); nothing in it depends on the
    request (no nonce, no user)."""
    cache_key = (
        f"dashboards:open:table:{selectors.open_generation()}:{':'.join(map(str, key))}:{get_language()}"
    )
    html = cache.get(cache_key)
    if html is None:
        html = render_to_string(
            "dashboards/open_table.html", {"rows": rows, "threshold": opendata.SUPPRESS_BELOW}
        )
        cache.set(cache_key, html, selectors.OPEN_CACHE_SECONDS)
    return mark_safe(html)  # noqa: S308 - our own template's output, escaped when rendered


@login_not_required
@require_GET
@no_personal_data(PUBLIC)
def open_data(request, fmt: str) -> HttpResponse:
    """The same rows as a file: `open/data.csv` or `open/data.json` (a province is required)."""
    try:
        province, since, until = _query(request.GET)
        if province is None:
            raise BadQuery(_("Choose a province from the list."))
        if fmt == "json":
            body = _open_json(province=province, since=since, until=until)
        else:
            data = selectors.open_csv(province_code=province, since=since, until=until)
    except BadQuery as exc:
        return JsonResponse({"detail": str(exc), "code": "invalid"}, status=400)
    except NotFound:
        return JsonResponse({"detail": _("No such province."), "code": "not_found"}, status=404)
    if fmt == "json":
        response = HttpResponse(body, content_type="application/json")
    else:
        response = export.csv_bytes_response(data, filename=f"epiqr-open-{province}-{since}-{until}.csv")
    response["Cache-Control"] = f"public, max-age={selectors.OPEN_CACHE_SECONDS}"
    response["Access-Control-Allow-Origin"] = "*"
    return response


def _open_json(*, province: int, since: date, until: date) -> bytes:
    """`open/data.json`'s body, encoded once per generation of the open data, query, day and language and
    kept compressed (as the CSV): encoding a province's rows and thousands of venue statuses cost more than
    everything else of the request. A new venue self-assessment shows within two cache lifetimes at most
    (this body's over `selectors.open_venues`' rows)."""
    key = (
        f"dashboards:open:json:{selectors.open_generation()}:{province}:{since}:{until}:{local_today()}"
        f":{get_language()}"
    )
    packed = cache.get(key)
    if packed is not None:
        return zlib.decompress(packed)
    rows = selectors.open_rows(province_code=province, since=since, until=until)
    body = json.dumps(
        {
            "province_code": province,
            "since": since.isoformat(),
            "until": until.isoformat(),
            "suppressed_below": opendata.SUPPRESS_BELOW,
            "note": "null: a count from 1 to 4, not published so that nobody can be singled out",
            "rows": [r.as_json() for r in rows],
            "venue_safety": _venue_safety_json(province),
        },
        cls=DjangoJSONEncoder,
        ensure_ascii=False,
    ).encode()
    cache.set(key, zlib.compress(body, 6), selectors.OPEN_CACHE_SECONDS)
    return body


def _labeller():
    """row -> the sector's and the status's names in the language of the request (the names looked up
    once, not per venue: a province publishes tens of thousands)."""
    sectors = {k: str(v) for k, v in Sector.choices}
    statuses = {k: str(v) for k, v in SafetyStatus.choices}

    def labels(row: opendata.OpenVenue) -> dict[str, str]:
        return {
            "sector_name": sectors.get(row.sector, row.sector),
            "status_name": statuses.get(row.status, row.status),
        }

    return labels


def _venue_safety_json(province: int) -> dict:
    labels = _labeller()
    return {
        "on": local_today().isoformat(),
        "note": "venues whose owner's COVID-safety self-assessment is in force today; "
        "venues never assessed or whose assessment expired are not listed",
        "venues": [v.as_json(**labels(v)) for v in selectors.open_venues(province_code=province)],
    }


@login_not_required
@require_GET
@no_personal_data(VENUES_PUBLIC)
def open_venues(request, fmt: str) -> HttpResponse:
    """The safe-venue statuses of a province in force today as a file: `open/venues.csv` or
    `open/venues.xlsx` (a province is required), through the one export writer (formulas neutralised)."""
    raw = request.GET.get("province")
    province = int_or_none(raw)
    if province is None:
        return JsonResponse({"detail": _("Choose a province from the list."), "code": "invalid"}, status=400)
    try:
        rows = selectors.open_venues(province_code=province)
    except NotFound:
        return JsonResponse({"detail": _("No such province."), "code": "not_found"}, status=404)
    labels = _labeller()
    sheet = export.Sheet(
        title="safe-venues",
        header=opendata.VENUE_HEADER,
        rows=(r.as_cells(**labels(r)) for r in rows),
        widths=(10, 18, 10, 22, 12, 32, 12, 22, 12, 16, 12),
    )
    response = export.response(sheet, fmt=fmt, filename=f"epiqr-safe-venues-{province}-{local_today()}.{fmt}")
    response["Cache-Control"] = f"public, max-age={selectors.OPEN_CACHE_SECONDS}"
    response["Access-Control-Allow-Origin"] = "*"
    return response


@login_not_required
@require_GET
@no_personal_data("the public safe-venue map: venues with their QR up and their status; nobody's data")
def safe_venues(request):
    """The safe-venue map of one commune (AntoanCovid): its venues with a QR poster up, which of them were in
    the risky-venue feed of the last 14 days, and the status of their owner's COVID-safety self-assessment."""
    raw, raw_province = request.GET.get("commune"), request.GET.get("province")
    commune_id, province_id = int_or_none(raw), int_or_none(raw_province)
    commune = Commune.objects.select_related("province").filter(pk=commune_id).first() if commune_id else None
    province = commune.province if commune else province_list().filter(pk=province_id).first()
    if (raw and commune is None) or (raw_province and province is None):
        return error_page(request, status=404, message=_("No such commune."))
    venues = selectors.safe_venues(commune_id=commune.pk) if commune else []
    sectors = dict(Sector.choices)
    return render(
        request,
        "dashboards/safe_venues.html",
        {
            "commune": commune,
            "province": province,
            "provinces": province_list(),
            "communes": province.communes.order_by("name") if province else [],
            "venues": [(v, sectors.get(v.sector, v.sector)) for v in venues],
            "payload": {
                "venues": [
                    {
                        "name": v.name,
                        "code": v.code,
                        "sector": str(sectors.get(v.sector, v.sector)),
                        "lat": v.lat,
                        "lon": v.lon,
                        "risk": v.risk,
                        "safety": v.safety,
                        "safety_until": v.safety_until.isoformat() if v.safety_until else None,
                    }
                    for v in venues
                ]
            },
            "sectors": sectors,
            "days": selectors.SAFE_VENUE_DAYS,
        },
    )
