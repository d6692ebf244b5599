"""Reads of the vaccination domain, narrowed to the user's jurisdiction (the commune of the site)."""

from __future__ import annotations

import base64
import time
from datetime import date, timedelta

from django.db.models import Count, Max, Q, QuerySet
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from epiqr.accounts.selectors import commune_filter, jurisdiction_filter, user_in_jurisdiction
from epiqr.cases.selectors import person_active_case, person_recovered_from
from epiqr.core import keyring
from epiqr.core.errors import NotFound
from epiqr.core.lists import Filter, FilterKind, ListSpec, Sort
from epiqr.core.timeutil import local, local_today, now, start_of_local_day
from epiqr.people.models import Person
from epiqr.people.selectors import person_list_visible_to
from epiqr.testing.selectors import person_latest_negative
from epiqr.venues.selectors import venue_list_visible_to, venue_may_manage

from . import dcc, groups, schedules, status, store
from .models import (
    PRODUCT_CHOICES,
    Certificate,
    DoorRule,
    Dose,
    Lot,
    PriorityMember,
    QuarantineDays,
    Session,
    Site,
)


def site_list_visible_to(*, user) -> QuerySet[Site]:
    return jurisdiction_filter(Site.objects.select_related("commune"), user=user, commune_path="commune")


def group_label(text: str) -> str:
    """How an invitation's or a member's group is shown: a group of the lists (groups.py) as its number
    and translated label, any other text (an imported list's own label) as written."""
    group = groups.group_get(text)
    return f"{group.number}. {_(group.label)}" if group is not None else text


def group_choices() -> list[tuple[str, str]]:
    """The groups of the list in force today, for a form."""
    return [(g.code, group_label(g.code)) for g in groups.list_for(local(now()).date()).groups]


def priority_members_of(*, person_id: int) -> list[PriorityMember]:
    """A person's priority groups (each with its label), by group number."""
    rows = list(PriorityMember.objects.filter(person_id=person_id))
    for row in rows:
        setattr(row, "label", group_label(row.group))  # noqa: B010 (shown by the template)
    return sorted(rows, key=lambda r: getattr(groups.group_get(r.group), "number", 99))


def session_list_visible_to(*, user) -> QuerySet[Session]:
    return jurisdiction_filter(
        Session.objects.select_related("site", "site__commune", "lot"),
        user=user,
        commune_path="site__commune",
    )


def session_get_visible(*, user, pk: int) -> Session:
    session = session_list_visible_to(user=user).filter(pk=pk).first()
    if session is None:
        raise NotFound(_("No such vaccination session in your area."), code="session_not_found")
    return session


def prior_doses(*, person_id: int) -> list[schedules.PriorDose]:
    """The person's doses as the schedule rules read them (day, product), oldest first."""
    return [
        schedules.PriorDose(local(at).date(), product)
        for at, product in Dose.objects.filter(person_id=person_id)
        .order_by("given_at", "id")
        .values_list("given_at", "product")
    ]


# A station records a whole session's doses: the session with its site and lot is read once per
# STATION_SESSION_SECONDS per process (as the check-in scan caches its venue). A change to a session, a
# site or a lot saved in this process (services, admin) empties the cache at once (the signals connected in
# apps.py); another worker process sees it within the bound. An unknown session is never cached (one
# created a moment ago on another worker is found at once).
STATION_SESSION_SECONDS = 30.0
_STATION_SESSIONS_MAX = 1_000
_station_sessions: dict[int, tuple[float, Session]] = {}
_clock = time.monotonic


def station_sessions_forget(**_signal) -> None:
    """Empty the station's session cache (a session, site or lot changed)."""
    _station_sessions.clear()


def session_for_station(*, user, pk: int) -> Session:
    """The session a station records for (its site and lot joined), if in the user's area: the station
    API's lean form of session_get_visible (the scope checked on the site's commune in memory), cached
    per process (above). The instance is shared by the process's requests: read it, never change it."""
    hit = _station_sessions.get(pk)
    if hit is not None and hit[0] > _clock():
        session: Session | None = hit[1]
    else:
        session = store.session_for_station(pk)
        if session is not None:
            if len(_station_sessions) >= _STATION_SESSIONS_MAX:
                _station_sessions.clear()
            _station_sessions[pk] = (_clock() + STATION_SESSION_SECONDS, session)
    if session is None or not user_in_jurisdiction(user=user, commune_id=session.site.commune_id):
        raise NotFound(_("No such vaccination session in your area."), code="session_not_found")
    return session


def session_dose_counts(*, sessions) -> dict[int, int]:
    ids = [s.pk for s in sessions]
    rows = Dose.objects.filter(session_id__in=ids).values("session_id").annotate(n=Count("id")).order_by()
    found = {r["session_id"]: r["n"] for r in rows}
    return {i: found.get(i, 0) for i in ids}


SESSIONS = ListSpec(
    name="vaccination_sessions",
    filters=(
        Filter("product", gettext_lazy("Vaccine"), choices=PRODUCT_CHOICES),
        commune_filter(lookup="site__commune_id"),
        Filter("since", gettext_lazy("From day"), kind=FilterKind.DATE, lookup="day__gte"),
        Filter("until", gettext_lazy("Until day"), kind=FilterKind.DATE, lookup="day__lte"),
    ),
    sorts=(Sort("day", gettext_lazy("Day"), ("day", "id")),),
    default_sort="-day",
    model=Session,
)


# A timer past its end stays on the list (flagged "observation over") until someone ends it, for 2 hours.
OBSERVATION_GRACE = timedelta(hours=2)


def session_doses(*, session: Session) -> QuerySet[Dose]:
    return Dose.objects.filter(session=session).select_related("person", "lot").order_by("-given_at", "-id")


def observation_list(*, session: Session, at=None) -> list[Dose]:
    """Doses of the session still under post-vaccination observation (the timer list), oldest first."""
    at = at or now()
    return list(
        Dose.objects.filter(session=session, observe_until__isnull=False, observed_at__isnull=True)
        .filter(observe_until__gt=at - OBSERVATION_GRACE)
        .select_related("person")
        .order_by("observe_until", "id")
    )


def dose_list_for_person(*, person_id: int) -> list[Dose]:
    return list(Dose.objects.filter(person_id=person_id).select_related("site", "lot").order_by("given_at"))


def lot_list_usable(*, product: str, on: date) -> QuerySet[Lot]:
    return Lot.objects.filter(product=product, expires_on__gte=on).order_by("expires_on", "number")


def certificate_list_for_person(*, person_id: int) -> list[Certificate]:
    return list(Certificate.objects.filter(person_id=person_id).order_by("-issued_at"))


def dose_get_visible(*, user, pk: int) -> Dose:
    """A dose recorded at a session of the user's area (AEFI, observation)."""
    dose = (
        jurisdiction_filter(
            Dose.objects.select_related("session__site", "person"), user=user, commune_path="site__commune"
        )
        .filter(pk=pk)
        .first()
    )
    if dose is None:
        raise NotFound(_("No such dose in your area."), code="dose_not_found")
    return dose


# --- verification against the published trust list ----------------------------------------------------

TRUST_CACHE_SECONDS = 60  # a key rotation or withdrawal reaches every worker's verifier within a minute
_trust: dict = {"at": 0.0, "keys": {}, "withdrawn": set()}


def _trusted() -> dict:
    if time.monotonic() - _trust["at"] > TRUST_CACHE_SECONDS:
        _trust["keys"] = {k.kid: k.public_key for k in keyring.published_keys("dcc")}
        _trust["withdrawn"] = {base64.b64decode(kid) for kid in keyring.withdrawn_kids("dcc")}
        _trust["at"] = time.monotonic()
    return _trust


def trust_refresh() -> None:
    """Forget the cached trust list (after a rotation or a withdrawal in this process; tests)."""
    _trust["at"] = 0.0


def certificate_verify(*, code: str, at=None):
    """The verdict on a scanned `HC1:` code against EpiQR's own trust list and revocation list."""
    trust = _trusted()
    return dcc.verify_code(
        code,
        keys=trust["keys"].get,
        withdrawn=lambda kid: kid in trust["withdrawn"],
        revoked=lambda identifier: keyring.is_revoked("dcc", identifier),
        at=at or now(),
    )


def certificate_get(*, public_id) -> Certificate | None:
    return Certificate.objects.filter(public_id=public_id).select_related("person", "dose").first()


# --- the personal health status (status.py) from the facts other domains keep ---------------------------


def person_quarantine(*, person_id: int, day: date) -> tuple[date, date] | None:
    """The first and last day of the person's F1 quarantine in force on `day` (a Vietnam date), from the
    quarantine domain's events (models.QuarantineDays): its days cover the day and it did not end on or
    before it. None when there is none (or the policy asked only self-monitoring)."""
    found = (
        QuarantineDays.objects.filter(person_id=person_id, start__lte=day, end__gte=day)
        .filter(Q(ended_on__isnull=True) | Q(ended_on__gt=day))
        .order_by("-end")
        .values_list("start", "end")
        .first()
    )
    return (found[0], found[1]) if found and found[1] is not None else None


def person_facts(*, person_id: int, at=None):
    """What cases, quarantine and testing know of one person on `at` (now by default), through their
    selectors and events, for status.py."""
    at = local(at or now())
    return status.Facts(
        doses=tuple(prior_doses(person_id=person_id)),
        active_case=person_active_case(person_id=person_id) is not None,
        recovered_from=person_recovered_from(person_id=person_id),
        quarantine=person_quarantine(person_id=person_id, day=at.date()),
        negative_test_at=person_latest_negative(person_id=person_id),
    )


def person_status(*, person_id: int, at=None):
    """The person's health status colour and its reasons under the policy in force."""
    at = local(at or now())
    return status.status(status.policy_for(at.date()), person_facts(person_id=person_id, at=at), at)


def certificate_status(*, verdict, at=None):
    """The status a verifier shows from a valid certificate alone: it knows no more than the code says."""
    at = local(at or now())
    return status.status_of_certificate(
        status.policy_for(at.date()), kind=verdict.kind, entries=verdict.entries, at=at
    )


# --- coverage for the dashboards ------------------------------------------------------------------------

AGE_BANDS = ((0, 11, "0-11"), (12, 17, "12-17"), (18, 49, "18-49"), (50, 64, "50-64"), (65, 200, "65+"))


def _band(birth_year: int | None, year: int) -> str:
    if birth_year is None:
        return "?"
    age = year - birth_year
    return next((label for low, high, label in AGE_BANDS if low <= age <= high), "?")


def coverage(*, user, on: date | None = None) -> list[dict]:
    """People registered and people with at least 1, 2 and 3 doses, by commune and age band, within the
    user's jurisdiction (the dashboards read this): rows {commune_id, band, people, dose1, dose2, dose3}."""
    on = on or local_today_()
    people = person_list_visible_to(user=user)
    rows: dict[tuple, dict] = {}
    for commune_id, birth_year in people.values_list("commune_id", "birth_year").iterator(chunk_size=5000):
        key = (commune_id, _band(birth_year, on.year))
        rows.setdefault(
            key, {"commune_id": commune_id, "band": key[1], "people": 0, "dose1": 0, "dose2": 0, "dose3": 0}
        )
        rows[key]["people"] += 1
    doses = (
        Dose.objects.filter(person__in=people.values("pk"), given_at__date__lte=on)
        .values("person_id", "person__commune_id", "person__birth_year")
        .annotate(top=Max("number"))
        .order_by()
    )
    for row in doses.iterator(chunk_size=5000):
        key = (row["person__commune_id"], _band(row["person__birth_year"], on.year))
        target = rows.setdefault(
            key, {"commune_id": key[0], "band": key[1], "people": 0, "dose1": 0, "dose2": 0, "dose3": 0}
        )
        for n in (1, 2, 3):
            if row["top"] >= n:
                target[f"dose{n}"] += 1
    return sorted(rows.values(), key=lambda r: (r["commune_id"] or 0, r["band"]))


ADULT_BANDS = ("18-49", "50-64", "65+")


def coverage_counts(*, on: date | None = None, commune_ids: list[int] | None = None) -> list[dict]:
    """The rule of `coverage` for every commune at once (or these), for read models (the dashboards keep a
    copy): rows {commune_id, band, people, dose1, dose2, dose3}, people registered and people with at least
    1, 2 and 3 doses given by the end of local day `on`. Grouped queries by commune and birth year (no row
    per person reaches Python)."""
    on = on or local_today_()
    end = start_of_local_day(on + timedelta(days=1))
    people = Person.objects.all()
    doses = Dose.objects.filter(given_at__lt=end)
    if commune_ids is not None:
        people = people.filter(commune_id__in=commune_ids)
        doses = doses.filter(person__commune_id__in=commune_ids)
    rows: dict[tuple, dict] = {}

    def row(commune_id, birth_year) -> dict:
        key = (commune_id, _band(birth_year, on.year))
        return rows.setdefault(
            key, {"commune_id": key[0], "band": key[1], "people": 0, "dose1": 0, "dose2": 0, "dose3": 0}
        )

    for r in people.values("commune_id", "birth_year").annotate(n=Count("id")).order_by():
        row(r["commune_id"], r["birth_year"])["people"] += r["n"]
    for n in (1, 2, 3):
        for commune_id, birth_year, c in (
            doses.filter(number__gte=n)
            .values("person__commune_id", "person__birth_year")
            .annotate(c=Count("person_id", distinct=True))
            .order_by()
            .values_list("person__commune_id", "person__birth_year", "c")
        ):
            row(commune_id, birth_year)[f"dose{n}"] += c
    return sorted(rows.values(), key=lambda r: (r["commune_id"] or 0, r["band"]))


def doses_recorded() -> bool:
    """Whether any dose is on record (vaccination in use: coverage is then reported, 0% where none)."""
    return Dose.objects.exists()


def local_today_():
    return local_today()


# --- door rules (a check-in station asks through core.panels) -------------------------------------------

DOOR_CACHE_SECONDS = 60
_doors: dict = {"at": -1e9, "venues": frozenset()}


def door_rules_forget() -> None:
    _doors["at"] = -1e9


def venue_refuses_red(*, venue_id: int) -> bool:
    """Whether the venue refuses a red health status: a set kept for a minute per process (no query per
    scan on the stations' hot path)."""
    if time.monotonic() - _doors["at"] > DOOR_CACHE_SECONDS:
        _doors["venues"] = frozenset(
            DoorRule.objects.filter(refuse_red=True).values_list("venue_id", flat=True)
        )
        _doors["at"] = time.monotonic()
    return venue_id in _doors["venues"]


def door_refusal(*, person_id: int, venue_id: int) -> str | None:
    """At a venue that refuses a red status: the reason to refuse this person, or None to admit."""
    if not venue_refuses_red(venue_id=venue_id):
        return None
    found = person_status(person_id=person_id)
    if found.colour != "red":
        return None
    if found.reasons[0].code == "f1_quarantine":
        until = f"{found.until:%d/%m/%Y}" if found.until else ""
        return _("Health status red: F1 contact in quarantine until %(day)s. Do not admit.") % {"day": until}
    return _("Health status red: under isolation. Do not admit. Call the commune health station.")


def door_rule_list(*, user):
    """The venues the user manages, each with whether it refuses a red status."""
    venues = [
        v
        for v in venue_list_visible_to(user=user).order_by("name")[:200]
        if venue_may_manage(user=user, venue=v)
    ]
    rules = dict(DoorRule.objects.filter(venue__in=venues).values_list("venue_id", "refuse_red"))
    return [(v, rules.get(v.pk, False)) for v in venues]
