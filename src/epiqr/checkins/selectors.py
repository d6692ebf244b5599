"""Reads of check-ins and declarations, always narrowed to what the user may see."""

from dataclasses import dataclass
from datetime import date, timedelta

from django.db.models import Count, Q, QuerySet, Sum
from django.db.models.functions import ExtractHour, TruncDate
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from epiqr.accounts.models import User
from epiqr.accounts.selectors import commune_filter, jurisdiction_filter
from epiqr.core.errors import Forbidden, NotFound
from epiqr.core.lists import Filter, FilterKind, ListSpec, Sort, day_from, day_until
from epiqr.core.permissions import Role
from epiqr.core.signing import BadSignature, decode_ints, encode_ints, sign, unsign
from epiqr.core.timeutil import VN_TZ, local_today, now, start_of_local_day
from epiqr.people.models import Device
from epiqr.venues.selectors import venue_list_visible_to

from .models import CheckIn, DeclarationKind, DeviceCheckIn, HealthDeclaration, VenueDailyCount

# Without a check-out, a visitor is assumed to stay this long when estimating occupancy.
ASSUMED_STAY = timedelta(hours=1)
COUNTS_STALE_AFTER = timedelta(minutes=5)


def venues_for_station(*, user: User) -> QuerySet:
    """Venues where the user may run a scan station or upload batches."""
    return venue_list_visible_to(user=user).filter(is_active=True)


def station_venue_get(*, user: User, venue_id: int | None = None, code: str = ""):
    """The venue (by id, or by normalised code) if the user may run a scan station there or see its
    counts: the one rule, an active venue of their `venues_for_station`; else Forbidden. (The API's
    happy path decides the same rule from cached facts: venues.selectors.venue_facts_visible_to.)"""
    lookup = {"pk": venue_id} if venue_id is not None else {"code": code}
    venue = venues_for_station(user=user).filter(**lookup).first()
    if venue is None:
        raise Forbidden(_("You cannot record check-ins at this venue."), code="venue_not_allowed")
    return venue


def venues_with_visitor_lists(*, user: User) -> QuerySet:
    """Venues whose visitor identities the user may see: only their own (owner or staff of the venue).

    Officers reach visitors through tracing, not through the venue's list.
    """
    qs = venue_list_visible_to(user=user)
    if user.is_superuser or user.role == Role.ADMIN:
        return qs
    if user.role in Role.OFFICERS:
        return qs.none()
    return qs


def venue_for_owner(*, user: User, venue_id: int):
    venue = venues_with_visitor_lists(user=user).filter(pk=venue_id).first()
    if venue is None:
        raise NotFound("Venue not found, or not yours.", code="venue_not_found")
    return venue


def checkin_hourly_today(*, venue_id: int) -> list[int]:
    """24 counts of today's check-ins by local hour for one venue (one index range scan)."""
    start = start_of_local_day(local_today())
    hours = [0] * 24
    for hour, n in (
        CheckIn.objects.filter(venue_id=venue_id, checked_in_at__gte=start)
        .annotate(hour=ExtractHour("checked_in_at", tzinfo=VN_TZ))
        .values_list("hour")
        .annotate(n=Count("id"))
        .values_list("hour", "n")
        .order_by()
    ):
        hours[hour] += n
    return hours


@dataclass
class DayCount:
    day: date
    checkins: int
    people: int
    hours: list[int]


def venue_recent_days(*, venue_id: int, days: int = 7) -> list[DayCount]:
    """Daily counts for the days before today, from the aggregate table (raw rows only for a day not yet
    rolled up)."""
    today = local_today()
    first = today - timedelta(days=days)
    stored = {
        c.day: c for c in VenueDailyCount.objects.filter(venue_id=venue_id, day__gte=first, day__lt=today)
    }
    out = []
    for i in range(days, 0, -1):
        day = today - timedelta(days=i)
        c = stored.get(day)
        if c is None:
            start, end = start_of_local_day(day), start_of_local_day(day + timedelta(days=1))
            agg = CheckIn.objects.filter(
                venue_id=venue_id, checked_in_at__gte=start, checked_in_at__lt=end
            ).aggregate(n=Count("id"), p=Count("person_id", distinct=True))
            out.append(DayCount(day, agg["n"], agg["p"], []))
        else:
            out.append(DayCount(day, c.checkins, c.people, c.hours or []))
    return out


def venue_ids_scanned_since(*, since: date, venue_ids: list[int] | None = None) -> set[int]:
    """Venues with at least one check-in from `since` on, from the daily counts (today's count is
    kept current by the rollup every few minutes)."""
    qs = VenueDailyCount.objects.filter(day__gte=since, checkins__gt=0)
    if venue_ids is not None:
        qs = qs.filter(venue_id__in=venue_ids)
    return set(qs.values_list("venue_id", flat=True).distinct())


def daily_counts_by_day(
    *, since: date, until: date, commune_ids: list[int] | None = None
) -> dict[date, tuple[int, int]]:
    """Per local day: check-ins and venues with at least one, from the daily counts (read models use
    this, never the check-in table); `commune_ids` None for every commune."""
    qs = VenueDailyCount.objects.filter(day__gte=since, day__lte=until, checkins__gt=0)
    if commune_ids is not None:
        qs = qs.filter(venue__commune_id__in=commune_ids)
    rows = qs.values("day").annotate(n=Sum("checkins"), venues=Count("venue_id")).order_by()
    return {r["day"]: (r["n"], r["venues"]) for r in rows}


def venue_occupancy(*, venue_id: int) -> int:
    """People probably inside now: checked in within ASSUMED_STAY and not checked out."""
    return (
        CheckIn.objects.filter(
            venue_id=venue_id, checked_in_at__gte=now() - ASSUMED_STAY, checked_out_at__isnull=True
        )
        .values("person_id")
        .distinct()
        .count()
    )


def occupancy_by_venue(*, at=None) -> dict[int, int]:
    """People probably inside each venue at `at` (now by default), the rule of `venue_occupancy` for every
    venue at once: checked in within ASSUMED_STAY before `at` and not checked out by then. One grouped
    read of the last hour's check-ins (the dashboards keep a snapshot of it every few minutes)."""
    at = at or now()
    rows = (
        CheckIn.objects.filter(checked_in_at__gt=at - ASSUMED_STAY, checked_in_at__lte=at)
        .filter(Q(checked_out_at__isnull=True) | Q(checked_out_at__gt=at))
        .values("venue_id")
        .annotate(n=Count("person_id", distinct=True))
        .order_by()
    )
    return {r["venue_id"]: r["n"] for r in rows}


def declaration_counts_by_commune_day(*, since: date, until: date) -> dict[tuple[int, date], tuple[int, int]]:
    """Health declarations per (commune, local day) from `since` to `until`: (all, flagged for follow-up)."""
    start, end = start_of_local_day(since), start_of_local_day(until + timedelta(days=1))
    rows = (
        HealthDeclaration.objects.filter(created_at__gte=start, created_at__lt=end)
        .annotate(local_day=TruncDate("created_at", tzinfo=VN_TZ))
        .values("commune_id", "local_day")
        .annotate(n=Count("id"), f=Count("id", filter=Q(flagged=True)))
        .order_by()
    )
    return {(r["commune_id"], r["local_day"]): (r["n"], r["f"]) for r in rows}


def daily_counts_by_venue(*, since: date, until: date) -> list[tuple[int, date, int, list[int]]]:
    """(venue, local day, check-ins, 24 counts by local hour) of every venue with check-ins between the two
    days, from the daily counts (the dashboards roll these up by commune and sector)."""
    return [
        (v, d, n, list(h or []))
        for v, d, n, h in VenueDailyCount.objects.filter(day__gte=since, day__lte=until, checkins__gt=0)
        .values_list("venue_id", "day", "checkins", "hours")
        .iterator(chunk_size=5000)
    ]


def visitor_list(*, user: User, venue_id: int, day: date | None = None, limit: int = 500) -> QuerySet:
    """The venue's own visits within the retention period, as times only (owner or staff of that venue).

    Venue owners and staff never see who visited: names and phones go to health officers, through tracing.
    """
    venue = venue_for_owner(user=user, venue_id=venue_id)
    qs = CheckIn.objects.filter(venue_id=venue.pk).order_by("-checked_in_at")
    if day is not None:
        qs = qs.filter(
            checked_in_at__gte=start_of_local_day(day),
            checked_in_at__lt=start_of_local_day(day + timedelta(days=1)),
        )
    return qs.only("checked_in_at", "checked_out_at", "has_symptoms", "method")[:limit]


def declaration_list_visible_to(*, user: User, open_only: bool = True, flagged_only: bool = True) -> QuerySet:
    qs = HealthDeclaration.objects.select_related("commune")
    if user.role not in Role.OFFICERS and not (user.is_superuser or user.role == Role.ADMIN):
        return qs.none()
    qs = jurisdiction_filter(qs, user=user, commune_path="commune")
    if flagged_only:
        qs = qs.filter(flagged=True)
    if open_only:
        qs = qs.filter(followed_up_at__isnull=True)
    return qs.order_by("-created_at")


_DECLARATION_STATES = {
    "open": Q(flagged=True, followed_up_at__isnull=True),
    "done": Q(followed_up_at__isnull=False),
    "flagged": Q(flagged=True),
    "all": Q(),
}


def _declaration_search(qs: QuerySet, text: str) -> QuerySet:
    """Declarations whose name holds every word typed (case ignored), or whose phone holds the digits."""
    digits = "".join(c for c in text if c.isdigit())
    if len(digits) >= 4 and not any(c.isalpha() for c in text):
        return qs.filter(phone__contains=digits[-9:])
    for word in text.split():
        qs = qs.filter(full_name__icontains=word)
    return qs


# The officer's declarations (/checkins/officer/ and GET /api/v1/checkins/declarations): by default
# the flagged ones nobody has called yet, newest first (index declaration_followup, then created_at).
DECLARATIONS = ListSpec(
    name="declarations",
    filters=(
        Filter("q", gettext_lazy("Name or phone"), kind=FilterKind.TEXT, apply=_declaration_search,
               prominent=True),
        Filter("state", gettext_lazy("Show"), default="open", choices=(
            ("open", gettext_lazy("To follow up")),
            ("done", gettext_lazy("Followed up")),
            ("flagged", gettext_lazy("Every flagged declaration")),
            ("all", gettext_lazy("Every declaration")),
        ), apply=lambda qs, state: qs.filter(_DECLARATION_STATES[state])),
        Filter("kind", gettext_lazy("Kind"), choices=DeclarationKind.choices),
        commune_filter(),
        day_from("since", gettext_lazy("Declared from"), "created_at"),
        day_until("until", gettext_lazy("Declared until"), "created_at"),
    ),
    sorts=(Sort("declared", gettext_lazy("Time of declaration"), ("created_at", "id")),),
    default_sort="-declared",
    model=HealthDeclaration,
)  # fmt: skip


def declaration_get_visible(*, user: User, declaration_id: int) -> HealthDeclaration:
    d = (
        declaration_list_visible_to(user=user, open_only=False, flagged_only=False)
        .filter(pk=declaration_id)
        .first()
    )
    if d is None:
        raise NotFound(_("Declaration not found, or not in your jurisdiction."), code="declaration_not_found")
    return d


DECLARATION_CODE = "epiqr.declaration.v1"


def declaration_code(*, declaration: HealthDeclaration) -> str:
    """What the declaration's QR carries: its id, signed (nobody can list declarations by counting)."""
    return sign(DECLARATION_CODE, encode_ints(declaration.pk))


def declaration_from_code(*, code: str) -> HealthDeclaration:
    """The declaration a QR names; NotFound for a forged code, or one deleted after the retention period."""
    try:
        (pk,) = decode_ints(unsign(DECLARATION_CODE, (code or "")[:64]), 1)
    except (BadSignature, ValueError) as exc:
        raise NotFound(_("This is not a health declaration code of EpiQR."), code="bad_code") from exc
    declaration = HealthDeclaration.objects.select_related("commune").filter(pk=pk).first()
    if declaration is None:
        raise NotFound(
            _("This declaration is no longer kept (declarations are deleted after the retention period)."),
            code="declaration_gone",
        )
    return declaration


def venues_scanned_today(*, user: User) -> list[VenueDailyCount]:
    """Venues of the officer's jurisdiction with check-ins today, from the daily counts (refreshed by the
    rollup task; see `counts_need_refresh`)."""
    if user.role not in Role.OFFICERS and not (user.is_superuser or user.role == Role.ADMIN):
        return []
    venue_ids = venue_list_visible_to(user=user).values("pk")
    return list(
        VenueDailyCount.objects.filter(day=local_today(), venue_id__in=venue_ids, checkins__gt=0)
        .select_related("venue")
        .order_by("-checkins")[:500]
    )


def counts_updated_at(*, day: date | None = None):
    """When today's daily counts were last rolled up (None if never)."""
    row = (
        VenueDailyCount.objects.filter(day=day or local_today())
        .order_by("-updated_at")
        .values_list("updated_at", flat=True)
        .first()
    )
    return row


def counts_need_refresh(*, day: date | None = None) -> bool:
    updated = counts_updated_at(day=day)
    if updated is None:
        return CheckIn.objects.filter(checked_in_at__gte=start_of_local_day(day or local_today())).exists()
    return now() - updated > COUNTS_STALE_AFTER


def device_visits(*, device: Device, proven_ids: list[int], limit: int = 100) -> list[CheckIn]:
    """What a citizen's phone may list: the visits it recorded itself, and every visit of the people its
    holder proved; newest first, within the retention period (older rows are purged)."""
    from django.db.models import Q

    if device is None and not proven_ids:
        return []
    mine = Q(person_id__in=list(proven_ids))
    if device is not None:
        mine |= Q(pk__in=DeviceCheckIn.objects.filter(device=device).values("checkin_id"))
    return list(CheckIn.objects.filter(mine).select_related("venue").order_by("-checked_in_at")[:limit])


def device_checkin_ids(*, device: Device) -> set[int]:
    """Ids of the visits this phone recorded itself."""
    if device is None:
        return set()
    return set(DeviceCheckIn.objects.filter(device=device).values_list("checkin_id", flat=True))
