"""Writes on check-ins and health declarations: the domain's public entry point for every write.

Live scans (a staff station, a typed number, a phone's self check-in, leaving) are written here; the
other writes live in their own modules and are offered here too, so `services` stays the one place to
look: `batch` (offline batches), `importing` (CSV import), `retention` (daily counts and purge),
`declarations` (health declarations). The rules they share are in `rules`, and every SQL statement on
the check-in table is in `store`.

- A live scan of a person under isolation or quarantine is refused (red at the door) and not recorded:
  the visit does not happen. An offline batch reports what already happened, so it is stored.
- Repeated scans within `rules.DUPLICATE_WINDOW` are one visit; the later scan answers "already checked in".
- A venue that chose to refuse a red health status (vaccination's door rules, asked through
  `core.panels`) refuses an F1 in quarantine too, with the reason, and records nothing.
"""

from dataclasses import dataclass
from datetime import datetime

from django.db import connection
from django.utils.translation import gettext as _

from epiqr.accounts.models import User
from epiqr.cases.selectors import case_person_ids_among
from epiqr.core import panels
from epiqr.core.errors import Invalid, NotFound
from epiqr.core.rows import loaded
from epiqr.core.text import initials
from epiqr.core.timeutil import now
from epiqr.people.models import Device
from epiqr.people.parsers import parse_payload
from epiqr.people.phones import normalise_phone
from epiqr.people.selectors import person_for_scanned_document, person_from_scan_row, person_same_household
from epiqr.people.services import device_link, person_create, person_find, person_from_scan

from . import store
from .batch import ItemResult, checkin_batch
from .declarations import declaration_follow_up, declaration_submit
from .importing import IMPORT_COLUMNS, checkins_import
from .models import CheckIn, DeviceCheckIn, Method
from .retention import PurgeReport, checkins_purge, venue_counts_rollup
from .rules import (
    CLOCK_SKEW,
    DUPLICATE_WINDOW,
    MAX_BATCH_ITEMS,
    checkin_time_check,
    payload_clean,
    retention_days,
    scan_time_parse,
    visit_key,
)

__all__ = [
    "CLOCK_SKEW",
    "DUPLICATE_WINDOW",
    "IMPORT_COLUMNS",
    "MAX_BATCH_ITEMS",
    "ItemResult",
    "PurgeReport",
    "Recorded",
    "ScanOutcome",
    "checkin_batch",
    "checkin_checkout",
    "checkin_manual",
    "checkin_record",
    "checkin_scan",
    "checkin_self",
    "checkin_time_check",
    "checkins_import",
    "checkins_purge",
    "declaration_follow_up",
    "declaration_submit",
    "device_checkins_forget",
    "payload_clean",
    "retention_days",
    "scan_time_parse",
    "venue_counts_rollup",
    "visit_key",
    "visitor_register",
]


@dataclass
class Recorded:
    """A visit stored now, or the one stored a moment ago (`duplicate`)."""

    checkin: CheckIn
    duplicate: bool


def checkin_record(
    *,
    venue_id: int,
    person_id: int,
    method: str,
    at: datetime | None = None,
    has_symptoms: bool | None = None,
    unless_isolated: bool = False,
) -> Recorded | None:
    """Record one visit, or return the visit already recorded within DUPLICATE_WINDOW.

    One statement (`store.visit_insert`): insert unless a visit of this person at this venue lies within
    the window, and unless the same visit key was stored a moment ago by a concurrent scan. With
    `unless_isolated`, also unless the person has an active case; then None means "refused, under isolation".
    """
    at = checkin_time_check(at=at) if at is not None else now()
    checkin_id = store.visit_insert(
        venue_id=venue_id,
        person_id=person_id,
        method=method,
        at=at,
        has_symptoms=has_symptoms,
        unless_isolated=unless_isolated,
    )
    if checkin_id is not None:
        checkin = CheckIn(
            id=checkin_id,
            venue_id=venue_id,
            person_id=person_id,
            checked_in_at=at,
            method=method,
            client_id=visit_key(venue_id=venue_id, person_id=person_id, at=at),
            has_symptoms=has_symptoms,
        )
        return Recorded(checkin, False)
    return _not_inserted(
        venue_id=venue_id,
        person_id=person_id,
        at=at,
        has_symptoms=has_symptoms,
        unless_isolated=unless_isolated,
    )


def _not_inserted(
    *, venue_id: int, person_id: int, at: datetime, has_symptoms: bool | None, unless_isolated: bool
) -> Recorded | None:
    """Why a guarded visit insert stored nothing: None under isolation, else the visit already stored."""
    key = visit_key(venue_id=venue_id, person_id=person_id, at=at)
    if unless_isolated and _active_case_reason(person_id):
        return None
    existing = (
        CheckIn.objects.filter(
            person_id=person_id,
            venue_id=venue_id,
            checked_in_at__gte=at - DUPLICATE_WINDOW,
            checked_in_at__lte=at + DUPLICATE_WINDOW,
        )
        .order_by("-checked_in_at")
        .first()
    ) or CheckIn.objects.get(client_id=key)
    if has_symptoms and not existing.has_symptoms:
        CheckIn.objects.filter(pk=existing.pk).update(has_symptoms=True)
        existing.has_symptoms = True
    return Recorded(existing, True)


@dataclass
class ScanOutcome:
    """What the staff screen shows: green (ok/duplicate) or red (refused) with the person's name."""

    status: str  # "ok", "duplicate", "refused"
    person: object
    checkin: CheckIn | None = None
    person_created: bool = False
    reason: str = ""
    reason_code: str = ""
    # What venue staff may see of the person: what the scanned card itself says, or only initials when
    # they typed a number (typing a phone must not tell them whose it is). Never the registry's record.
    shown_name: str = ""
    shown_year: int | None = None

    @property
    def green(self) -> bool:
        return self.status in ("ok", "duplicate")


def _active_case_reason(person_id: int) -> str:
    if person_id not in case_person_ids_among(person_ids={person_id}):
        return ""
    return _("Under isolation or quarantine: do not admit. Call the commune health station.")


def _record_for(
    *, venue_id: int, person, created: bool, method: str, at: datetime | None, has_symptoms: bool | None
) -> ScanOutcome:
    rec = checkin_record(
        venue_id=venue_id,
        person_id=person.pk,
        method=method,
        at=at,
        has_symptoms=has_symptoms,
        unless_isolated=True,
    )
    return _outcome(person=person, created=created, rec=rec)


def checkin_scan(
    *,
    venue_id: int,
    payload: str,
    actor: User | None = None,
    at: datetime | None = None,
    method: str = Method.STAFF,
    has_symptoms: bool | None = None,
) -> ScanOutcome:
    """A staff scan of a CCCD, BHYT, national or EpiQR personal QR: find or create the person, check in.

    Unreadable or forged payloads raise Invalid (the people parsers' ParseError) and record nothing.
    """
    payload = payload_clean(payload)
    if at is not None:
        at = checkin_time_check(at=at)
    # A known card that changes nothing: one query. Anything else (new card, details to fill, EpiQR code
    # to check) takes the people service's full path.
    doc = parse_payload(payload)
    # A venue may refuse a red health status (decided above checkins: core.panels "checkins.door"); its
    # scans take the two-step path, so the person is known before anything is recorded.
    door = bool(panels.ask("checkins.door_venue", venue_id=venue_id))
    if connection.vendor == "postgresql" and not door:
        found = _scan_in_one_statement(
            venue_id=venue_id, doc=doc, method=method, at=at or now(), has_symptoms=has_symptoms
        )
        if found is not None:
            return _shown(found, name=doc.full_name, year=doc.birth_year)
        person, created = None, False
    else:
        person, created = person_for_scanned_document(doc=doc), False
    if person is None:
        scan = person_from_scan(payload=payload, actor=actor, create=True, doc=doc)
        person, created = scan.person, scan.created
    if door and (refusal := panels.ask("checkins.door", person_id=person.pk, venue_id=venue_id)):
        return _shown(
            ScanOutcome("refused", person, None, created, refusal, "health_status"),
            name=doc.full_name,
            year=doc.birth_year,
        )
    outcome = _record_for(
        venue_id=venue_id,
        person=person,
        created=created,
        method=method,
        at=at,
        has_symptoms=has_symptoms,
    )
    return _shown(outcome, name=doc.full_name, year=doc.birth_year)


def _shown(outcome: ScanOutcome, *, name: str, year: int | None) -> ScanOutcome:
    outcome.shown_name = name or initials(outcome.person.full_name)
    outcome.shown_year = year if name else None
    return outcome


def _outcome(*, person, created: bool, rec: Recorded | None) -> ScanOutcome:
    if rec is None:
        reason = _active_case_reason(person.pk)
        return ScanOutcome("refused", person, None, created, reason, "active_case")
    if rec.duplicate:
        return ScanOutcome(
            "duplicate", person, rec.checkin, created, _("Already checked in a moment ago."), "duplicate"
        )
    return ScanOutcome("ok", person, rec.checkin, created)


def _scan_in_one_statement(
    *, venue_id: int, doc, method: str, at: datetime, has_symptoms: bool | None
) -> ScanOutcome | None:
    """PostgreSQL: a known card that changes nothing about its person, checked in with one statement
    (`store.scan_insert`); the rules of checkin_scan's two-step path. None when the card needs that path
    (unknown, new document, a blank to fill)."""
    row = store.scan_insert(venue_id=venue_id, doc=doc, method=method, at=at, has_symptoms=has_symptoms)
    if row is None:
        return None
    person = person_from_scan_row(row[:-2])
    checkin_id, key = row[-2:]
    if checkin_id is None:
        rec = _not_inserted(
            venue_id=venue_id, person_id=person.pk, at=at, has_symptoms=has_symptoms, unless_isolated=True
        )
    else:
        checkin = loaded(
            CheckIn,
            {
                "id": checkin_id,
                "venue_id": venue_id,
                "person_id": person.pk,
                "checked_in_at": at,
                "checked_out_at": None,
                "method": method,
                "client_id": key,
                "has_symptoms": has_symptoms,
            },
            using=connection.alias,
        )
        rec = Recorded(checkin, False)
    return _outcome(person=person, created=False, rec=rec)


def checkin_manual(
    *, venue_id: int, identifier: str, actor: User | None = None, at: datetime | None = None
) -> ScanOutcome:
    """Fallback for a damaged card: the staff types the ID number or phone of a registered person.

    Nobody found is NotFound; an ambiguous phone (a family sharing it) is Invalid.
    """
    identifier = (identifier or "").strip()
    if not identifier:
        raise Invalid(_("Type an ID number or a phone number."), code="empty", field="identifier")
    person = person_find(identifier=identifier)
    refusal = panels.ask("checkins.door_venue", venue_id=venue_id) and panels.ask(
        "checkins.door", person_id=person.pk, venue_id=venue_id
    )
    if refusal:
        return _shown(
            ScanOutcome("refused", person, None, False, refusal, "health_status"), name="", year=None
        )
    outcome = _record_for(
        venue_id=venue_id, person=person, created=False, method=Method.STAFF, at=at, has_symptoms=None
    )
    return _shown(outcome, name="", year=None)


def checkin_self(
    *,
    venue_id: int,
    people: list,
    has_symptoms: bool | None,
    device: Device | None = None,
    at: datetime | None = None,
) -> list[ScanOutcome]:
    """Self check-in from a phone for one person or a family together (people already resolved).

    Each visit the phone records is linked to the phone (`DeviceCheckIn`): the phone may see it later,
    whoever the person turns out to be. A visit already recorded a moment ago by someone else (a staff
    scan, another phone) is not linked: this phone did not record it.
    """
    if not people:
        raise Invalid(_("Choose at least one person to check in."), code="nobody")
    outcomes = [
        _record_for(
            venue_id=venue_id, person=p, created=False, method=Method.SELF, at=at, has_symptoms=has_symptoms
        )
        for p in people
    ]
    if device is not None:
        fresh = [o.checkin.pk for o in outcomes if o.checkin is not None and o.status == "ok"]
        DeviceCheckIn.objects.bulk_create(
            [DeviceCheckIn(checkin_id=pk, device=device) for pk in fresh], ignore_conflicts=True
        )
    return outcomes


def checkin_checkout(
    *,
    checkin_ids: list[int],
    device: Device | None = None,
    person_ids: list[int] = (),
    at: datetime | None = None,
) -> int:
    """Record leaving for these visits: only those the phone recorded itself or of people it proved."""
    from django.db.models import Q

    at = at or now()
    mine = Q(person_id__in=list(person_ids))
    if device is not None:
        mine |= Q(
            pk__in=DeviceCheckIn.objects.filter(device=device, checkin_id__in=checkin_ids).values(
                "checkin_id"
            )
        )
    return CheckIn.objects.filter(
        mine, pk__in=checkin_ids, checked_out_at__isnull=True, checked_in_at__lte=at
    ).update(checked_out_at=at)


def device_checkins_forget(*, device: Device, person_id: int) -> int:
    """A phone that forgets a person stops listing the visits it recorded for them (the visits stay)."""
    return DeviceCheckIn.objects.filter(device=device, checkin__person_id=person_id).delete()[0]


def visitor_register(
    *,
    full_name: str,
    phone: str,
    birth_year: int | None,
    commune=None,
    id_number: str = "",
    device: Device | None = None,
):
    """The person behind a first-time self check-in, linked to the phone under the name it typed.

    The one with this ID number, else the one with this phone, name and birth year (family members share
    a phone), else a new registration. Matching links the phone's check-ins to the person for tracing; it
    shows the phone nothing of theirs. A typed ID number finds a person, it is never stored on a new one:
    a stranger typing someone else's number would otherwise own the record that the real card holder's
    scans, tests and results later land on.
    """
    phone = normalise_phone(phone)
    person = None
    if id_number:
        try:
            person = person_find(identifier=id_number)
        except NotFound:
            person = None
    if person is None:
        person = person_same_household(phone=phone, full_name=full_name, birth_year=birth_year)
    if person is None:
        person = person_create(full_name=full_name, birth_year=birth_year, phone=phone, commune=commune)
    if device is not None:
        device_link(
            device=device, person=person, label=full_name, phone=phone, birth_year=birth_year, commune=commune
        )
    return person
