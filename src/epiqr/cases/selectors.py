from dataclasses import dataclass
from datetime import date, datetime, timedelta

from django.db import connection
from django.db.models import Count, Q, QuerySet
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from epiqr.accounts.models import User
from epiqr.accounts.selectors import commune_filter, jurisdiction_filter
from epiqr.core.errors import NotFound
from epiqr.core.lists import Filter, FilterKind, ListSpec, Sort
from epiqr.core.text import fold

from .models import Case, CaseStatus
from .period import DEFAULT_DAYS_BEFORE, InfectiousPeriod, infectious_period

# Two rules, both here so that no other domain spells them:
# - a case that counts (clusters, the risky-venue feed, any count of cases): every confirmed case,
#   whatever became of the person, except one cancelled because it was opened by mistake;
# - an active case (the person is isolated now: refused at the door, never listed as a contact).
COUNTED_STATUSES = (CaseStatus.ACTIVE, CaseStatus.RECOVERED, CaseStatus.DECEASED)


def case_list_counted(
    *, user: User | None = None, confirmed_since: date | None = None, infectious_after: datetime | None = None
) -> QuerySet[Case]:
    """The cases that count: confirmed and not cancelled; in the user's jurisdiction (every one for
    user None, the public feed and the command line). `infectious_after`: only cases whose infectious
    period may last past that instant (period.infectious_period ends at isolation, at the end of the
    confirmation day, or at an officer's end), so a year of cases is not read to find a month's."""
    qs = Case.objects.filter(status__in=COUNTED_STATUSES).select_related("person", "commune")
    if confirmed_since is not None:
        qs = qs.filter(confirmed_on__gte=confirmed_since)
    if infectious_after is not None:
        # a superset of the rule's answer (the caller clips each period): the day before in local time
        # covers the end of the confirmation day whatever the zone of `infectious_after`
        qs = qs.filter(
            Q(confirmed_on__gte=infectious_after.date() - timedelta(days=1))
            | Q(isolated_at__gte=infectious_after)
            | Q(infectious_until_override__gte=infectious_after)
        )
    return qs if user is None else jurisdiction_filter(qs, user=user, commune_path="commune")


def case_newest_id() -> int:
    """The id of the newest case (0 for none): an index probe that changes whenever a case is opened, for
    caches of answers computed over every case."""
    return Case.objects.order_by("-id").values_list("id", flat=True).first() or 0


def person_active_case(*, person_id: int) -> Case | None:
    return Case.objects.filter(person_id=person_id, status=CaseStatus.ACTIVE).first()


def case_person_ids_among(*, person_ids: set[int]) -> set[int]:
    """Which of these people have an active case (they are isolated, not contacts)."""
    if not person_ids:
        return set()
    # Raw SQL: this runs inside every trace, where the ORM's query building would cost more than the query.
    found: set[int] = set()
    ids = [int(i) for i in person_ids]
    table = Case._meta.db_table
    with connection.cursor() as cur:
        for i in range(0, len(ids), 5000):
            part = ids[i : i + 5000]
            cur.execute(
                f"SELECT person_id FROM {table} WHERE status = %s AND person_id IN ({', '.join(['%s'] * len(part))})",
                [CaseStatus.ACTIVE, *part],
            )
            found |= {r[0] for r in cur.fetchall()}
    return found


def case_list_visible_to(*, user: User, status: str | None = None) -> QuerySet[Case]:
    qs = jurisdiction_filter(
        Case.objects.select_related("person", "commune"), user=user, commune_path="commune"
    )
    return qs.filter(status=status) if status else qs


def _case_search(qs: QuerySet[Case], text: str) -> QuerySet[Case]:
    """A case by its number (#12 or 12), or cases whose person's name holds every word typed."""
    number = text.lstrip("#").strip()
    if number.isdigit():
        return qs.filter(pk=int(number)) if len(number) < 19 else qs.none()
    for word in fold(text).split():
        qs = qs.filter(person__name_folded__contains=word)
    return qs


# The cases list (/cases/ and GET /api/v1/cases), newest confirmation first (index case_confirmed).
CASES = ListSpec(
    name="cases",
    filters=(
        Filter("q", gettext_lazy("Case number or name"), kind=FilterKind.TEXT, apply=_case_search,
               prominent=True, placeholder=gettext_lazy("e.g. 12 or nguyen van an")),
        Filter("status", gettext_lazy("Status"), choices=CaseStatus.choices),
        commune_filter(),
        Filter("source", gettext_lazy("Opened from"), choices=(
            ("manual", gettext_lazy("by an officer")), ("scan", gettext_lazy("a scanned card")),
            ("lab", gettext_lazy("a lab result")), ("contact", gettext_lazy("a traced contact")),
            ("api", gettext_lazy("the API")),
        )),
        Filter("since", gettext_lazy("Confirmed from"), kind=FilterKind.DATE, lookup="confirmed_on__gte"),
        Filter("until", gettext_lazy("Confirmed until"), kind=FilterKind.DATE, lookup="confirmed_on__lte"),
    ),
    sorts=(
        Sort("confirmed", gettext_lazy("Confirmation date"), ("confirmed_on", "id")),
        Sort("number", gettext_lazy("Case number"), ("id",)),
    ),
    default_sort="-confirmed",
    model=Case,
    index_prefixes=((), ("commune",)),
)  # fmt: skip


def case_get_visible_to(*, user: User, case_id: int) -> Case:
    case = case_list_visible_to(user=user).filter(pk=case_id).first()
    if case is None:
        raise NotFound(_("No such case within your jurisdiction."))
    return case


def case_period(*, case: Case, days_before: int = DEFAULT_DAYS_BEFORE) -> InfectiousPeriod:
    """The case's infectious period under a policy's `days_before`, with the officer's override."""
    return infectious_period(
        confirmed_on=case.confirmed_on,
        onset_on=case.onset_on,
        sample_on=case.sample_on,
        isolated_at=case.isolated_at,
        days_before=days_before,
        start_override=case.infectious_from_override,
        end_override=case.infectious_until_override,
    )


def case_active_exists_sql(*, person_column: str) -> tuple[str, list]:
    """The rule of case_person_ids_among (the person has an active case) as an SQL EXISTS condition on
    `person_column`, for a statement that must not write for isolated people."""
    return (
        f"EXISTS (SELECT 1 FROM {Case._meta.db_table} WHERE person_id = {person_column} AND status = %s)",
        [CaseStatus.ACTIVE.value],
    )


def case_active_sql(*, person_column: str, form: str = "exists") -> str:
    """The same rule with the status written into the text, for statements built as templates (tracing
    reads): `exists` gives an EXISTS condition, `in` a `person_column IN (...)` one. The status is a
    constant of this module, never input."""
    status = CaseStatus.ACTIVE.value
    assert status.isalpha()
    table = Case._meta.db_table
    if form == "in":
        return f"{person_column} IN (SELECT person_id FROM {table} WHERE status = '{status}')"
    return f"EXISTS (SELECT 1 FROM {table} k WHERE k.person_id = {person_column} AND k.status = '{status}')"


def case_list_confirmed_on(*, day: date, user: User | None = None) -> QuerySet[Case]:
    """The active cases confirmed on a day, oldest first (the morning's tracing triage): in the user's
    jurisdiction, or all of them for the command line (user None)."""
    qs = (
        Case.objects.filter(confirmed_on=day, status=CaseStatus.ACTIVE)
        .select_related("person", "commune")
        .order_by("pk")
    )
    return qs if user is None else jurisdiction_filter(qs, user=user, commune_path="commune")


def case_counts_by_commune_day(
    *, since: date, until: date, by: str = "confirmed"
) -> dict[tuple[int, date], int]:
    """Cases that count per (commune, day) of confirmation (`by="confirmed"`) or of symptom onset
    (`by="onset"`), every commune: for read models (dashboards), which scope what they show."""
    field = {"confirmed": "confirmed_on", "onset": "onset_on"}[by]
    rows = (
        Case.objects.filter(status__in=COUNTED_STATUSES, commune__isnull=False)
        .filter(**{f"{field}__gte": since, f"{field}__lte": until})
        .values_list("commune_id", field)
        .annotate(n=Count("id"))
        .order_by()
    )
    return {(commune, day): n for commune, day, n in rows}


def case_days(*, case_id: int) -> list[date]:
    """The days a case is counted on (confirmation, onset), whatever its status: what a change to it
    changes in per-day counts."""
    row = Case.objects.filter(pk=case_id).values_list("confirmed_on", "onset_on").first()
    return [d for d in (row or ()) if d is not None]


def case_commune(*, case_id: int) -> int | None:
    """The commune a case is counted in (None: unknown case or no commune)."""
    return Case.objects.filter(pk=case_id).values_list("commune_id", flat=True).first()


def case_active_counts(*, commune_ids: list[int] | None = None) -> dict[int, int]:
    """Active cases (isolated now) per commune, of these communes or of all (cases without a commune left
    out): what the dashboards keep per commune (their CommuneActiveCount)."""
    qs = Case.objects.filter(status=CaseStatus.ACTIVE, commune__isnull=False)
    if commune_ids is not None:
        qs = qs.filter(commune_id__in=commune_ids)
    return dict(qs.values_list("commune_id").annotate(n=Count("id")).order_by())


def case_active_counts_by_commune(*, user) -> dict[int | None, int]:
    """Active cases (isolated now) per commune of the user's jurisdiction."""
    qs = jurisdiction_filter(Case.objects.filter(status=CaseStatus.ACTIVE), user=user, commune_path="commune")
    return dict(qs.values_list("commune_id").annotate(n=Count("id")).order_by())


def person_recovered_from(*, person_id: int) -> date | None:
    """The confirmation day of the person's latest case now recovered (a health status counts recovery
    from it), or None."""
    case = (
        Case.objects.filter(person_id=person_id, status=CaseStatus.RECOVERED)
        .order_by("-confirmed_on", "-id")
        .only("confirmed_on")
        .first()
    )
    return case.confirmed_on if case else None


@dataclass(frozen=True)
class Recovery:
    """A person's case now recovered, as a recovery certificate states it (EU DCC `r` entry)."""

    case_id: int  # one certificate per case
    first_positive_on: date  # the positive sample's day when known, else the confirmation day (DCC `fr`)


def person_latest_recovery(*, person_id: int) -> Recovery | None:
    """The person's latest recovered case, or None."""
    case = (
        Case.objects.filter(person_id=person_id, status=CaseStatus.RECOVERED)
        .order_by("-confirmed_on", "-id")
        .only("id", "sample_on", "confirmed_on")
        .first()
    )
    if case is None:
        return None
    return Recovery(case_id=case.pk, first_positive_on=case.sample_on or case.confirmed_on)


def case_get(*, case_id: int) -> Case | None:
    """One case whoever asks, for another domain's reaction to a case event (pages use
    `case_get_visible_to`)."""
    return Case.objects.filter(pk=case_id).first()
