"""Reads for tracing: the domain's public entry point (runs and contacts in scope, their payloads).

The other reads live in their own modules and are offered here, so `selectors` stays the one place to
look: `store` (the check-in stores the engine searches: the database one, every SQL statement on the
check-in table, and the memory one), `policies` (versioned tracing policies), `clusters` (the F0s'
visits, clusters, the risky-venue feed and a citizen's check against it).
"""

from collections.abc import Iterable, Sequence
from datetime import datetime, timedelta

import numpy as np
from django.db import connection
from django.db.models import BooleanField, Count, ExpressionWrapper, F, OuterRef, Q, QuerySet, Subquery, Value
from django.utils.translation import gettext_lazy as _

from epiqr.accounts.models import User
from epiqr.accounts.selectors import commune_filter, jurisdiction_q, user_in_jurisdiction
from epiqr.core.errors import Forbidden, NotFound
from epiqr.core.lists import Filter, FilterKind, ListSpec, Sort, day_from, day_until
from epiqr.core.text import fold
from epiqr.core.timeutil import iso_utc, now
from epiqr.venues.models import Venue

from . import exposures
from .clusters import cluster_list, f0_visits, risky_venue_feed, self_check
from .models import Contact, ContactPack, FollowUp, RunStatus, TracingRun
from .policies import policy_engine, policy_get, policy_list
from .store import CheckinStore, MemoryStore, checkins_of_person

__all__ = [
    "CONTACTS",
    "RUNS",
    "CheckinStore",
    "MemoryStore",
    "checkins_of_person",
    "cluster_list",
    "contact_get_visible_to",
    "contacts_with_exposures",
    "contact_list_of_person",
    "contact_list_visible_to",
    "contact_payload",
    "contact_sources",
    "f0_visits",
    "policy_engine",
    "policy_get",
    "policy_list",
    "risky_venue_feed",
    "run_commune",
    "run_contact_degrees",
    "run_filing",
    "run_followed_contacts",
    "run_get_owned_by",
    "run_get_visible_to",
    "run_list_visible_to",
    "run_payload",
    "run_summary",
    "self_check",
]


def run_list_visible_to(*, user: User, case_id: int | None = None) -> QuerySet[TracingRun]:
    """Runs the user may open, each with `owned`.

    The visibility rule of tracing: the officers of the case's jurisdiction own its runs (the F0, the
    infectious period, the movements, the review). An officer elsewhere sees a run only when some of its
    contacts live in their area, and then only those contacts and where and when they were exposed
    (`owned` False; see run_payload and the run page)."""
    qs = TracingRun.objects.select_related("case__person", "ran_by").annotate(
        contacts_unfiled=Subquery(
            ContactPack.objects.pending().filter(run=OuterRef("pk")).values(left=F("total") - F("filed"))[:1]
        )
    )
    if case_id is not None:
        qs = qs.filter(case_id=case_id)
    owned_q = jurisdiction_q(user=user, commune_path="case__commune")
    if owned_q is None:
        return qs.annotate(owned=Value(True, output_field=BooleanField()))
    contact_q = jurisdiction_q(user=user, commune_path="contacts__commune")
    scope = owned_q | contact_q  # type: ignore[operator]
    qs = qs.filter(pk__in=TracingRun.objects.filter(scope).values("pk"))
    return qs.annotate(owned=ExpressionWrapper(owned_q, output_field=BooleanField()))


# The runs list (/tracing/ and GET /api/v1/tracing/runs).
RUNS = ListSpec(
    name="tracing_runs",
    filters=(
        Filter("status", _("Status"), choices=RunStatus.choices),
        Filter("degree", _("Degree"), choices=((1, "F1"), (2, "F1 + F2"))),
        commune_filter(lookup="case__commune_id", label=_("Commune of the case")),
        Filter("case", _("Case number"), kind=FilterKind.INT, minimum=1, lookup="case_id"),
        day_from("since", _("Ran from"), "ran_at"),
        day_until("until", _("Ran until"), "ran_at"),
    ),
    sorts=(
        Sort("ran_at", _("Time of the run"), ("ran_at", "id")),
        Sort("contacts", _("Number of contacts"), ("contact_count", "id")),
    ),
    default_sort="-ran_at",
    model=TracingRun,
)


def run_get_visible_to(*, user: User, run_id: int) -> TracingRun:
    run = run_list_visible_to(user=user).filter(pk=run_id).first()
    if run is None:
        raise NotFound(_("No tracing run with this number in your area."))
    return run


def run_get_owned_by(*, user: User, run_id: int) -> TracingRun:
    """A run the user may act on as a whole (review it): one of their jurisdiction's cases. A run seen
    only through its contacts is Forbidden; one not seen at all is NotFound."""
    run = run_get_visible_to(user=user, run_id=run_id)
    if not run.owned:
        raise Forbidden(
            _(
                "This case belongs to another jurisdiction: only its health officers review or act on the run."
            ),
            code="not_owner",
        )
    return run


def contact_list_visible_to(
    *,
    user: User,
    run: TracingRun,
    degree: int | None = None,
    risk: str | None = None,
    status: str | None = None,
) -> QuerySet[Contact]:
    """A run's contacts the user may see: those living in the user's jurisdiction; contacts of
    unknown commune go to the officers of the case's jurisdiction. `user=None` is the operator's CLI."""
    qs = run.contacts.select_related("person", "commune", "new_case")
    q = None if user is None else jurisdiction_q(user=user, commune_path="commune")
    if q is not None:
        # Whether the case is in the user's area is decided once here, not joined per contact: a page
        # of a 250,000-contact run is then read in the order of an index on the run.
        case = run.case
        if user_in_jurisdiction(user=user, commune_id=case.commune_id):
            q |= Q(commune__isnull=True)
        qs = qs.filter(q)
    if degree:
        qs = qs.filter(degree=degree)
    if risk:
        qs = qs.filter(risk=risk)
    if status:
        qs = qs.filter(status=status)
    return qs


def _contact_search(qs: QuerySet[Contact], text: str) -> QuerySet[Contact]:
    """Contacts whose name holds every word typed (diacritics optional), or whose phone holds the digits."""
    digits = "".join(c for c in text if c.isdigit())
    if digits and len(digits) >= 4 and not any(c.isalpha() for c in text):
        return qs.filter(person__phone__contains=digits[-9:])
    for word in fold(text).split():
        qs = qs.filter(person__name_folded__contains=word)
    return qs


def _contact_at_venue(qs: QuerySet[Contact], venue_id: int) -> QuerySet[Contact]:
    return qs.filter(venues_text__contains=exposures.venue_filter(venue_id))


# The contacts of a run, as the run page and GET /api/v1/tracing/runs/{id}/contacts page them. Both
# sorts are served by an index that starts with the run (see Contact.Meta.indexes).
CONTACTS = ListSpec(
    name="tracing_contacts",
    filters=(
        Filter("degree", _("Degree"), choices=((1, "F1"), (2, "F2"))),
        Filter("risk", _("Risk"), choices=(("high", _("high")), ("low", _("low")))),
        Filter("status", _("Follow-up"), choices=FollowUp.choices),
        commune_filter(lookup="commune_id"),
        Filter("venue", _("Venue"), kind=FilterKind.INT, minimum=1, apply=_contact_at_venue, in_form=False,
               help="the id of a venue where the contact met the case"),
        Filter("q", _("Name or phone"), kind=FilterKind.TEXT, apply=_contact_search,
               placeholder=_("e.g. nguyen van an")),
    ),
    sorts=(
        Sort("priority", _("F1 first, high risk first"), ("degree", "risk", "first_exposed_at", "id")),
        Sort("exposed", _("Time of exposure"), ("first_exposed_at", "id")),
    ),
    default_sort="priority",
    model=Contact,
    index_prefixes=(("run",),),
)  # fmt: skip


def contact_sources(*, user: User, run: TracingRun, contacts: Sequence[Contact]) -> dict[int, list[dict]]:
    """For each F2 among `contacts`: the F1s through whom it was reached, in order of exposure, each as
    {"contact": F1 contact id, "name": the F1's name, or None when the user may not see that F1}.
    Two queries for the whole page."""
    wanted: dict[int, list[int]] = {}
    for c in contacts:
        if c.degree == 2:
            seen = []
            for e in sorted(c.exposures, key=lambda e: (e.start, e.position)):
                if e.source_person_id not in seen:
                    seen.append(e.source_person_id)
            wanted[c.pk] = seen
    people = {p for ids in wanted.values() for p in ids}
    if not people:
        return {}
    every_f1 = run.contacts.filter(degree=1)
    visible_f1 = contact_list_visible_to(user=user, run=run).filter(degree=1)
    if len(people) <= 1000:  # a page; an export reads the run's F1s whole rather than name thousands
        every_f1, visible_f1 = every_f1.filter(person_id__in=people), visible_f1.filter(person_id__in=people)
    f1 = dict(every_f1.values_list("person_id", "pk"))
    names = dict(visible_f1.values_list("person_id", "person__full_name"))
    return {
        contact_id: [{"contact": f1.get(p), "name": names.get(p)} for p in ids]
        for contact_id, ids in wanted.items()
    }


def contact_get_visible_to(*, user: User, contact_id: int) -> Contact:
    contact = Contact.objects.select_related("run__case", "person").filter(pk=contact_id).first()
    if (
        contact is None
        or not contact_list_visible_to(user=user, run=contact.run).filter(pk=contact.pk).exists()
    ):
        raise NotFound(_("No such contact within your jurisdiction."))
    return contact


def contact_list_of_person(*, user, person_id: int) -> QuerySet[Contact]:
    """Where a person was found as a contact (F1/F2 of a case's run), newest run first: the contacts the
    user may see (those living in the user's jurisdiction), with their run and case. For another domain's
    page about that person (the hotline's request page)."""
    qs = (
        Contact.objects.filter(person_id=person_id)
        .select_related("run__case")
        .order_by("-run__ran_at", "-pk")
    )
    q = jurisdiction_q(user=user, commune_path="commune")
    return qs if q is None else qs.filter(q)


def contacts_with_exposures(contacts: Iterable[Contact]) -> list[Contact]:
    """The contacts with their exposures unpacked and each exposure's venue attached (`e.venue`, None for
    a venue no longer stored), in one read of the venues: for a page, an export or a notice plan."""
    contacts = list(contacts)
    venues = Venue.objects.in_bulk({e.venue_id for c in contacts for e in c.exposures})
    for c in contacts:
        for e in c.exposures:
            e.venue = venues.get(e.venue_id)
    return contacts


def run_filing(*, run: TracingRun) -> ContactPack | None:
    """The run's packed F2 while it is being filed into the follow-up lists (its `filed` of `total`),
    or None once every contact is a row (or the run was never packed)."""
    return ContactPack.objects.pending().defer("data").filter(run_id=run.pk).first()


def run_commune(run: TracingRun) -> int | None:
    """A run belongs to its case's commune (whose officers see it and the messages about it)."""
    return run.case.commune_id


def contact_payload(contact: Contact, *, owned: bool = True, through: list[dict] | None = None) -> dict:
    """One contact as the API gives it; `through` are the F1s an F2 was reached through (contact_sources:
    a name only where the reader may see that F1); outside the case's jurisdiction (`owned` False)
    without who the source of each exposure was."""
    p = contact.person
    return {
        "id": contact.pk,
        "person_id": p.pk,
        "public_id": str(p.public_id),
        "full_name": p.full_name,
        "phone": p.phone,
        "address": p.address,
        "commune": contact.commune.name if contact.commune else None,
        "commune_code": contact.commune_id,
        "degree": contact.degree,
        "risk": contact.risk,
        "overlap_minutes": contact.overlap_minutes,
        "first_exposed_at": iso_utc(contact.first_exposed_at),
        "status": contact.status,
        "new_case": contact.new_case_id,
        "through": through or [],
        "exposures": [
            {
                "venue_code": e.venue.code if e.venue else "",
                "venue_name": e.venue.name if e.venue else "",
                "checkin_id": e.checkin_id,
                "start": iso_utc(e.start),
                "end": iso_utc(e.end),
                "source_person_id": e.source_person_id if owned else None,
                "source_checkin_id": e.source_checkin_id if owned else None,
                "source_start": iso_utc(e.source_start),
                "source_end": iso_utc(e.source_end),
                "overlap_minutes": e.overlap_minutes,
                "weighted_minutes": e.weighted_minutes,
                "risk": e.risk,
            }
            for e in contact.exposures
        ],
    }


def run_summary(*, run: TracingRun, user: User) -> dict:
    """A run without its contacts (they are paged: GET /api/v1/tracing/runs/{id}/contacts). Outside the
    case's jurisdiction the case, its infectious period, its total and the changes since the last run are
    null: the officer sees their own contacts and where and when they were exposed."""
    owned = user is None or getattr(run, "owned", True)
    return {
        "id": run.pk,
        "owned": owned,
        "case": run.case_id if owned else None,
        "policy": run.policy_snapshot.get("name"),
        "policy_version": run.policy_snapshot.get("version"),
        "policy_snapshot": run.policy_snapshot,
        "degree": run.degree,
        "period_start": iso_utc(run.period_start) if owned else None,
        "period_end": iso_utc(run.period_end) if owned else None,
        "ran_at": iso_utc(run.ran_at),
        "ran_by": run.ran_by.username if run.ran_by else None,
        "trigger": run.trigger,
        "status": run.status,
        "contact_count": run.contact_count if owned else None,
        "changes": run.changes if owned else None,
        "contacts_filed": _contacts_filed(run) if owned else None,
    }


def _contacts_filed(run: TracingRun) -> int | None:
    """How many of the run's contacts are rows yet, while its packed F2 is being filed; else None (read
    with the run by run_list_visible_to)."""
    if hasattr(run, "contacts_unfiled"):
        left = run.contacts_unfiled
    else:
        filing = run_filing(run=run)
        left = None if filing is None else filing.total - filing.filed
    return None if left is None else run.contact_count - left


def run_payload(*, run: TracingRun, user: User) -> dict:
    """A run and every contact the user may see, as the CLI gives them (`epiqr trace --json`)."""
    contacts = contacts_with_exposures(contact_list_visible_to(user=user, run=run))
    sources = contact_sources(user=user, run=run, contacts=contacts)
    summary = run_summary(run=run, user=user)
    return {
        "run": {**summary, "visible_contacts": len(contacts)},
        "contacts": [
            contact_payload(c, owned=summary["owned"], through=sources.get(c.pk, [])) for c in contacts
        ],
    }


# F1 in quarantine, as far as tracing knows it (until a care domain keeps quarantines with their own
# dates): a contact whose follow-up status was set to "quarantined" within the last QUARANTINE_DAYS.
QUARANTINE_DAYS = (
    14  # the F1 quarantine Việt Nam applied through 2021; a later, shorter rule needs the care domain
)


def person_quarantined_since(*, person_id: int, at: datetime) -> datetime | None:
    """When this person's current F1 quarantine began (the latest contact put in quarantine within
    QUARANTINE_DAYS before `at`), or None."""
    return (
        Contact.objects.filter(
            person_id=person_id,
            status=FollowUp.QUARANTINED,
            status_changed_at__gt=at - timedelta(days=QUARANTINE_DAYS),
            status_changed_at__lte=at,
        )
        .order_by("-status_changed_at")
        .values_list("status_changed_at", flat=True)
        .first()
    )


def run_contact_degrees(*, run_id: int) -> dict[int, int]:
    """{person: degree} of a run's contacts, in one packed read on PostgreSQL (a re-run of an F2 compares
    itself with a run of 100,000 contacts)."""
    if connection.vendor != "postgresql":
        return dict(Contact.objects.filter(run_id=run_id).values_list("person_id", "degree"))
    with connection.cursor() as cur:
        cur.execute(
            "SELECT string_agg(int8send(person_id) || int8send(degree::bigint), ''::bytea) "
            f"FROM {Contact._meta.db_table} WHERE run_id = %s",
            [run_id],
        )
        packed = cur.fetchone()[0]
    pairs = np.frombuffer(bytes(packed or b""), dtype=">i8").reshape(-1, 2)
    return dict(zip(pairs[:, 0].tolist(), pairs[:, 1].tolist(), strict=True))


def run_followed_contacts(*, run_id: int) -> dict[int, tuple[str, int | None]]:
    """{person: (follow-up status, new case)} of a run's contacts that have moved on from "to call" or
    became cases: what a new run of the same case carries over."""
    rows = (
        Contact.objects.filter(run_id=run_id)
        .exclude(status=FollowUp.TO_CALL, new_case__isnull=True)
        .values_list("person_id", "status", "new_case")
    )
    return {person: (status, new_case) for person, status, new_case in rows}


def contact_last_exposure(*, contact_id: int) -> datetime | None:
    """When the contact's last meeting with the source ended (the day quarantine is counted from), or
    None for a contact with no exposure stored."""
    data = Contact.objects.filter(pk=contact_id).values_list("exposure_data", flat=True).first()
    return max((e.end for e in exposures.unpack(data)), default=None)


def contact_get(*, contact_id: int) -> Contact | None:
    """One contact with its run, case and person, whoever asks: for another domain's reaction to a
    follow-up event (the quarantine placed when a contact reaches 'quarantined'). Pages use
    `contact_get_visible_to`."""
    return Contact.objects.select_related("run__case", "person").filter(pk=contact_id).first()


def quarantined_counts_by_commune(*, at: datetime | None = None) -> dict[int, int]:
    """People in F1 quarantine now by the commune of their contact record (the rule of
    `person_quarantined_since`: a contact put in quarantine within QUARANTINE_DAYS), each person once per
    commune: the dashboards' "contacts in quarantine"."""
    at = at or now()
    rows = (
        Contact.objects.filter(
            status=FollowUp.QUARANTINED,
            status_changed_at__gt=at - timedelta(days=QUARANTINE_DAYS),
            status_changed_at__lte=at,
            commune__isnull=False,
        )
        .values("commune_id")
        .annotate(n=Count("person_id", distinct=True))
        .order_by()
    )
    return {r["commune_id"]: r["n"] for r in rows}
