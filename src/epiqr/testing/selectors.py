"""Reads of the testing domain, narrowed to the user's jurisdiction (the commune of the sampling site)."""

from dataclasses import dataclass
from datetime import date, datetime, timedelta
from urllib.parse import urlencode

from django.db.models import (
    Avg,
    Count,
    DurationField,
    Exists,
    ExpressionWrapper,
    F,
    OuterRef,
    Q,
    QuerySet,
    Sum,
)
from django.db.models.functions import Coalesce
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from epiqr.accounts.models import User
from epiqr.accounts.selectors import commune_filter, jurisdiction_filter
from epiqr.core.errors import NotFound
from epiqr.core.lists import Filter, FilterKind, ListSpec, Sort

from .models import ResultValue, SamplingSession, SamplingSite, TestKind, Tube, TubeMember, TubeStatus
from .pools import Outcome, Result


def site_list_visible_to(*, user: User) -> QuerySet[SamplingSite]:
    return jurisdiction_filter(
        SamplingSite.objects.select_related("commune"), user=user, commune_path="commune"
    )


def session_list_visible_to(*, user: User) -> QuerySet[SamplingSession]:
    """The sessions of the user's area without their counts (a page's counts: session_tube_counts)."""
    return jurisdiction_filter(
        SamplingSession.objects.select_related("site", "site__commune"),
        user=user,
        commune_path="site__commune",
    )


def session_tube_counts(*, sessions) -> dict[int, tuple[int, int]]:
    """(tubes, people) of each session of a page, in one query over the tube index."""
    ids = [s.pk for s in sessions]
    rows = (
        Tube.objects.filter(session_id__in=ids)
        .values("session_id")
        .annotate(tubes=Count("id"), people=Coalesce(Sum("member_count"), 0))
        .order_by()
    )
    found = {r["session_id"]: (r["tubes"], r["people"]) for r in rows}
    return {i: found.get(i, (0, 0)) for i in ids}


# Sampling sessions (/testing/ and GET /api/v1/testing/sessions), newest day first.
SESSIONS = ListSpec(
    name="sampling_sessions",
    filters=(
        Filter("kind", gettext_lazy("Test kind"), choices=TestKind.choices),
        commune_filter(lookup="site__commune_id"),
        Filter("since", gettext_lazy("From day"), kind=FilterKind.DATE, lookup="day__gte"),
        Filter("until", gettext_lazy("Until day"), kind=FilterKind.DATE, lookup="day__lte"),
        Filter("team", gettext_lazy("Team"), kind=FilterKind.TEXT, lookup="team__icontains"),
    ),
    sorts=(Sort("day", gettext_lazy("Day"), ("day", "id")),),
    default_sort="-day",
    model=SamplingSession,
)

# The tubes of one session (its page and GET /api/v1/testing/sessions/{id}/tubes).
TUBES = ListSpec(
    name="session_tubes",
    filters=(
        Filter("status", gettext_lazy("Status"), choices=TubeStatus.choices),
        Filter("result", gettext_lazy("Result"), choices=ResultValue.choices),
        Filter("barcode", gettext_lazy("Tube barcode"), kind=FilterKind.TEXT, max_length=64,
               lookup="barcode__icontains", prominent=True),
    ),
    sorts=(
        Sort("opened", gettext_lazy("Time opened"), ("opened_at", "id")),
        Sort("barcode", gettext_lazy("Tube barcode"), ("barcode",)),
    ),
    default_sort="opened",
    model=Tube,
    small="the tubes of one sampling session: a few thousand at most, sorted in memory",
)  # fmt: skip


def session_get_visible(*, user: User, pk: int) -> SamplingSession:
    qs = jurisdiction_filter(
        SamplingSession.objects.select_related("site", "site__commune"),
        user=user,
        commune_path="site__commune",
    )
    session = qs.filter(pk=pk).first()
    if session is None:
        raise NotFound(_("No such sampling session in your area."))
    return session


def tube_get_visible(*, user: User, barcode: str) -> Tube:
    qs = jurisdiction_filter(
        Tube.objects.select_related("session", "session__site"),
        user=user,
        commune_path="session__site__commune",
    )
    tube = qs.filter(barcode=(barcode or "").strip().upper()).first()
    if tube is None:
        raise NotFound(_("Unknown tube %(barcode)s.") % {"barcode": (barcode or "")[:64]})
    return tube


def session_tubes(*, session: SamplingSession) -> QuerySet[Tube]:
    return session.tubes.order_by("opened_at", "id")


@dataclass(frozen=True)
class SessionCounts:
    tubes: int
    samples: int  # swabs in tubes; more than `people` when someone was swabbed twice
    people: int  # distinct people
    open: int
    closed: int
    received: int
    resulted: int
    pooled_tubes: int


def session_counts(*, session: SamplingSession) -> SessionCounts:
    row = session.tubes.aggregate(
        tubes=Count("id"),
        samples=Coalesce(Sum("member_count"), 0),
        open=Count("id", filter=Q(status=TubeStatus.OPEN)),
        closed=Count("id", filter=Q(status=TubeStatus.CLOSED)),
        received=Count("id", filter=Q(status=TubeStatus.RECEIVED)),
        resulted=Count("id", filter=Q(status=TubeStatus.RESULTED)),
        pooled_tubes=Count("id", filter=Q(member_count__gt=1)),
    )
    # Through the tubes (session index) and the (tube, person) constraint's index: no members' index needed.
    row["people"] = (
        TubeMember.objects.filter(tube__session=session).values("person_id").distinct().count()
        if row["samples"]
        else 0
    )
    return SessionCounts(**row)


def session_repeated_people(*, session: SamplingSession) -> list[dict]:
    """People swabbed into more than one tube of the session, with those tubes (a slip or a second swab)."""
    repeated = (
        TubeMember.objects.filter(tube__session=session)
        .values("person_id")
        .annotate(n=Count("id"))
        .filter(n__gt=1)
        .values("person_id")
    )
    rows: dict[int, dict] = {}
    for m in (
        TubeMember.objects.filter(tube__session=session, person_id__in=repeated)
        .select_related("person", "tube")
        .order_by("person_id", "added_at")
    ):
        rows.setdefault(m.person_id, {"person": m.person, "tubes": []})["tubes"].append(m.tube)
    return list(rows.values())


def tube_members(*, tube: Tube) -> QuerySet[TubeMember]:
    return tube.members.select_related("person").order_by("id")


def slip_url(*, lookup: str, barcode: str, code: str) -> str:
    """What a slip's QR opens: the lookup page with the tube number in the query and the result code in
    the fragment (kept by the phone's browser, never sent to the server or written in its logs)."""
    return f"{lookup}?{urlencode({'barcode': barcode})}#code={code}"


def recall_list(*, user: User, session: SamplingSession | None = None) -> QuerySet[TubeMember]:
    """People to call back: members of positive pools (individual retest) and of invalid tubes (new swab)
    who have not been sampled again since."""
    qs = TubeMember.objects.filter(
        tube__status=TubeStatus.RESULTED,
        tube__result__in=[Result.POSITIVE, Result.INVALID],
        outcome__in=[Outcome.POOL_POSITIVE, Outcome.RESAMPLE],
    ).select_related("person", "tube", "session__site")
    # Someone swabbed again since (the individual retest) has come back: no longer to be called.
    later = TubeMember.objects.filter(person_id=OuterRef("person_id"), added_at__gt=OuterRef("added_at"))
    qs = qs.exclude(Exists(later))
    if session is not None:
        qs = qs.filter(tube__session=session)  # through the tubes' (session, status) index
    return jurisdiction_filter(qs, user=user, commune_path="session__site__commune").order_by("tube_id", "id")


def person_results(*, person_ids: list[int], limit: int = 20) -> list[TubeMember]:
    """A person's samples, newest first, with the outcome each has so far (for their device or page)."""
    return list(
        TubeMember.objects.filter(person_id__in=person_ids)
        .select_related("tube", "session__site", "person")
        .order_by("-added_at")[:limit]
    )


def results_for_device(*, person_ids: list[int], member_ids: list[str], limit: int = 20) -> list[TubeMember]:
    """What a citizen's phone may list: every sample of the people its holder proved, and the single
    samples it proved by their slip; newest first."""
    from django.db.models import Q

    ids = [int(i) for i in member_ids if str(i).isdigit()]
    if not person_ids and not ids:
        return []
    return list(
        TubeMember.objects.filter(Q(person_id__in=person_ids) | Q(pk__in=ids))
        .select_related("tube", "session__site", "person")
        .order_by("-added_at")[:limit]
    )


@dataclass(frozen=True)
class DayCommuneStats:
    day: date
    commune: str
    samples: int
    tubes: int
    pooled_tubes: int
    individual_tubes: int
    pending: int
    positives: int
    pool_positives: int
    resulted_people: int
    turnaround_hours: float | None

    @property
    def positivity(self) -> float | None:
        """Confirmed positives among people with a result (pool positives are not cases yet)."""
        return self.positives / self.resulted_people if self.resulted_people else None

    @property
    def positivity_percent(self) -> float | None:
        """A number: pages format it in the reader's language (33,33 in Vietnamese, 33.33 in English)."""
        return None if self.positivity is None else self.positivity * 100


def stats_by_day_commune(*, user: User, since: date, until: date) -> list[DayCommuneStats]:
    """Per sampling day and commune: samples, tubes (pooled vs individual), pending, positives,
    positivity and the mean hours from closing a tube to its result. Reads only tubes (ten times fewer
    rows than people), narrowed by day through the sessions."""
    tubes = jurisdiction_filter(
        Tube.objects.filter(session__day__gte=since, session__day__lte=until),
        user=user,
        commune_path="session__site__commune",
    )
    rows = _day_commune_rows(tubes, "session__site__commune__name")
    hours = _turnaround_hours(tubes)
    out = []
    for r in rows:
        key = (r["session__day"], r["session__site__commune_id"])
        out.append(
            DayCommuneStats(
                day=r["session__day"],
                commune=r["session__site__commune__name"],
                samples=r["samples"],
                tubes=r["tube_count"],
                pooled_tubes=r["pooled"],
                individual_tubes=r["tube_count"] - r["pooled"],
                pending=r["pending"],
                positives=r["positives"],
                pool_positives=r["pool_positives"],
                resulted_people=r["resulted_people"],
                turnaround_hours=hours.get(key),
            )
        )
    return out


def _day_commune_rows(tubes: QuerySet[Tube], *extra: str):
    """Per sampling day and commune of these tubes: samples, tubes, pooled, pending, resulted people,
    positives and pool positives (the one place these counts are spelled)."""
    return (
        tubes.values("session__day", "session__site__commune_id", *extra)
        .annotate(
            samples=Coalesce(Sum("member_count"), 0),
            tube_count=Count("id"),
            pooled=Count("id", filter=Q(member_count__gt=1)),
            pending=Coalesce(Sum("member_count", filter=~Q(status=TubeStatus.RESULTED)), 0),
            resulted_people=Coalesce(Sum("member_count", filter=Q(status=TubeStatus.RESULTED)), 0),
            # outcomes follow from the tube (pools.tube_outcome), so no person row is read
            positives=Count("id", filter=Q(result=Result.POSITIVE, member_count=1)),
            pool_positives=Coalesce(
                Sum("member_count", filter=Q(result=Result.POSITIVE, member_count__gt=1)), 0
            ),
        )
        .order_by("-session__day", *extra)
    )


def counts_by_day_commune(*, since: date, until: date) -> dict[tuple[int, date], tuple[int, int, int]]:
    """Every commune's (samples, resulted people, confirmed positives) per sampling day, for read models
    (dashboards); no jurisdiction: the caller scopes what it shows."""
    tubes = Tube.objects.filter(session__day__gte=since, session__day__lte=until)
    return {
        (r["session__site__commune_id"], r["session__day"]): (
            r["samples"],
            r["resulted_people"],
            r["positives"],
        )
        for r in _day_commune_rows(tubes)
    }


def tube_sampling_days(*, tube_ids: list[int]) -> set[date]:
    """The sampling days of these tubes (what a result changes in per-day counts)."""
    return set(Tube.objects.filter(pk__in=tube_ids).values_list("session__day", flat=True).distinct())


def _turnaround_hours(tubes: QuerySet[Tube]) -> dict:
    """Mean hours from sampling (tube closed) to result, per (day, commune id)."""
    duration = ExpressionWrapper(F("resulted_at") - F("closed_at"), output_field=DurationField())
    rows = (
        tubes.filter(status=TubeStatus.RESULTED, closed_at__isnull=False)
        .values("session__day", "session__site__commune_id")
        .annotate(mean=Avg(duration))
    )
    out = {}
    for r in rows:
        mean = r["mean"]
        if isinstance(mean, timedelta):
            out[(r["session__day"], r["session__site__commune_id"])] = round(mean.total_seconds() / 3600, 1)
        elif mean is not None:  # SQLite returns microseconds
            out[(r["session__day"], r["session__site__commune_id"])] = round(float(mean) / 3.6e9, 1)
    return out


def kind_label(kind: str) -> str:
    return TestKind(kind).label


def person_latest_negative(*, person_id: int) -> datetime | None:
    """When the person's latest negative result was recorded, or None (a health status counts it)."""
    return (
        TubeMember.objects.filter(person_id=person_id, outcome=Outcome.NEGATIVE, resulted_at__isnull=False)
        .order_by("-resulted_at")
        .values_list("resulted_at", flat=True)
        .first()
    )


@dataclass(frozen=True)
class NegativeTest:
    """A person's negative result as a test certificate states it (EU DCC `t` entry)."""

    member_id: int  # the TubeMember: one certificate per result
    kind: str  # TestKind: pcr_single, pcr_pooled or antigen
    sampled_at: datetime  # the swab (DCC `sc`)
    resulted_at: datetime
    site_name: str  # the testing centre (DCC `tc`)


def person_latest_negative_test(*, person_id: int) -> NegativeTest | None:
    """The person's latest negative result (by when it was sampled), with what a certificate needs."""
    member = (
        TubeMember.objects.filter(person_id=person_id, outcome=Outcome.NEGATIVE, resulted_at__isnull=False)
        .select_related("session__site")
        .order_by("-added_at", "-id")
        .first()
    )
    if member is None:
        return None
    return NegativeTest(
        member_id=member.pk,
        kind=member.session.kind,
        sampled_at=member.added_at,
        resulted_at=member.resulted_at,
        site_name=member.session.site.name,
    )
