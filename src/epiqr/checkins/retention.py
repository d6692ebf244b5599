"""Retention: check-ins and declarations older than the retention period are purged; daily counts stay."""

from dataclasses import dataclass
from datetime import date, datetime, timedelta

from django.db.models import Count
from django.db.models.functions import ExtractHour

from epiqr.core.timeutil import VN_TZ, local, now, start_of_local_day

from .models import CheckIn, HealthDeclaration, VenueDailyCount
from .partitions import partitions_drop_before, table_partitioned
from .rules import retention_days


def venue_counts_rollup(*, day: date) -> int:
    """Recompute the daily counts (and hourly histogram) of every venue for one local day."""
    start = start_of_local_day(day)
    end = start_of_local_day(day + timedelta(days=1))
    rows = CheckIn.objects.filter(checked_in_at__gte=start, checked_in_at__lt=end)
    hours: dict[int, list[int]] = {}
    for venue_id, hour, n in (
        rows.annotate(hour=ExtractHour("checked_in_at", tzinfo=VN_TZ))
        .values_list("venue_id", "hour")
        .annotate(n=Count("id"))
        .order_by()
    ):
        hours.setdefault(venue_id, [0] * 24)[hour] += n
    people = dict(
        rows.values_list("venue_id")
        .annotate(p=Count("person_id", distinct=True))
        .values_list("venue_id", "p")
        .order_by()
    )
    objs = [
        VenueDailyCount(venue_id=v, day=day, checkins=sum(h), people=people.get(v, 0), hours=h)
        for v, h in hours.items()
    ]
    VenueDailyCount.objects.bulk_create(
        objs,
        update_conflicts=True,
        unique_fields=["venue", "day"],
        update_fields=["checkins", "people", "hours", "updated_at"],
        batch_size=1000,
    )
    return len(objs)


@dataclass
class PurgeReport:
    cutoff: datetime
    checkins: int
    declarations: int
    days_rolled_up: int


def checkins_purge(*, current: datetime | None = None, days: int | None = None) -> PurgeReport:
    """Delete check-ins and declarations from before the retention period; daily counts stay.

    The cutoff is the start of a local day, so a day is purged whole and its counts, rolled up just
    before, stay exact. On PostgreSQL whole day partitions are dropped; rows before the cutoff in the
    DEFAULT partition or the table attached before partitioning are deleted in slices.
    """
    days = retention_days() if days is None else days
    cutoff_day = local(current or now()).date() - timedelta(days=days)
    cutoff = start_of_local_day(cutoff_day)
    oldest = (
        CheckIn.objects.filter(checked_in_at__lt=cutoff)
        .order_by("checked_in_at")
        .values_list("checked_in_at", flat=True)
        .first()
    )
    rolled = 0
    if oldest is not None:
        day = local(oldest).date()
        while day < cutoff_day:
            venue_counts_rollup(day=day)
            rolled += 1
            day += timedelta(days=1)
    deleted_checkins = 0
    if table_partitioned():  # whole days first: detach and drop, no row deleted one by one
        deleted_checkins += partitions_drop_before(cutoff=cutoff).checkins
    while True:  # in slices, so one purge never holds a huge transaction
        ids = list(CheckIn.objects.filter(checked_in_at__lt=cutoff).values_list("pk", flat=True)[:20000])
        if not ids:
            break
        deleted_checkins += CheckIn.objects.filter(pk__in=ids).delete()[0]
    deleted_declarations = HealthDeclaration.objects.filter(created_at__lt=cutoff).delete()[0]
    return PurgeReport(cutoff, deleted_checkins, deleted_declarations, rolled)
