"""Writes on check-ins and health declarations.

Rules in one place:
- Repeated scans of one person at one venue within DUPLICATE_WINDOW are one visit (the queue at the door
  scans twice, the scanner bounces); the later scan answers "already checked in".
- A scan time may lie at most CLOCK_SKEW in the future (device clocks drift) and no further back than the
  retention period (older data would be purged at once and cannot help tracing).
- Retried uploads carry a client id; the unique column stores each scan exactly once, even when two
  uploads of the same batch race. The id is the sender's own (core.idempotency.scoped_uuid): another
  device's scan with the same id is another scan, and the same sender's id with other content is refused.
  Live scans get a server-made key per visit slot in the same column, so two stations scanning one person
  at the same instant store one row.
- Times are stored as UTC whatever offset a device wrote (PostgreSQL reads no seconds in an offset).
- A live scan of a person under isolation or quarantine is refused (red at the door) and not recorded:
  the visit does not happen. An offline batch reports what already happened, so it is stored.
"""

import csv
import hashlib
import io
import re
import uuid
from collections.abc import Iterator
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, field
from datetime import UTC, date, datetime, timedelta

from django.conf import settings
from django.db import connection, transaction
from django.db.models import Count
from django.db.models.functions import ExtractHour
from django.utils.dateparse import parse_datetime
from django.utils.translation import gettext as _

from epiqr.core.errors import Forbidden, Invalid, NotFound
from epiqr.core.idempotency import id_reused, scoped_uuid, sender_of
from epiqr.core.memory import gc_paused
from epiqr.core.pgsql import array_literal, int_array_literal
from epiqr.core.progress import Progress
from epiqr.core.timeutil import VN_TZ, aware, local, now, start_of_local_day

from .models import CheckIn, DeviceCheckIn, HealthDeclaration, Method, VenueDailyCount

DUPLICATE_WINDOW = timedelta(minutes=5)
CLOCK_SKEW = timedelta(minutes=10)
MAX_BATCH_ITEMS = 1000
MAX_PAYLOAD_CHARS = 2000
INSERT_CHUNK = 500
# Namespace for client ids derived from an imported row that carries none (re-importing stores nothing twice).
IMPORT_NAMESPACE = uuid.UUID("6f1d3c9e-2b7a-4c55-9d0e-0e9a2f3b7c41")


def retention_days() -> int:
    return int(settings.EPIQR_RETENTION_DAYS)


def checkin_time_check(*, at: datetime, current: datetime | None = None) -> datetime:
    """The scan time as aware UTC, or Invalid when it is in the future or older than retention."""
    current = current or now()
    at = aware(at)
    if at > current + CLOCK_SKEW:
        raise Invalid(
            _("The scan time is in the future; check the device clock."), code="future", field="scanned_at"
        )
    if at < current - timedelta(days=retention_days()):
        raise Invalid(
            _("The scan is older than the retention period (%(days)s days) and cannot be stored.")
            % {"days": retention_days()},
            code="too_old",
            field="scanned_at",
        )
    return at.astimezone(UTC)


# --- single check-ins ----------------------------------------------------------------------------


@dataclass
class Recorded:
    checkin: CheckIn
    duplicate: bool


# Live scans get a server-made idempotency key: one per (venue, person, 5-minute slot). Two stations
# scanning the same person at the same instant collide on it and store one row.
VISIT_NAMESPACE = uuid.UUID("0b7e2f4e-5d0c-4b0a-9f3e-6c1d2a9b8e77")


def _visit_slot(at: datetime) -> int:
    return int(at.timestamp()) // int(DUPLICATE_WINDOW.total_seconds())


def visit_key(*, venue_id: int, person_id: int, at: datetime) -> uuid.UUID:
    # The MD5 of the namespace and the name, read as a UUID: PostgreSQL makes the same key inside the
    # one-statement scan (`_visit_key_sql`) with a bare md5() and a cast.
    name = f"{VISIT_NAMESPACE}|{venue_id}|{person_id}|{_visit_slot(at)}"
    return uuid.UUID(hashlib.md5(name.encode(), usedforsecurity=False).hexdigest())


def _visit_key_sql(*, venue_id: int, person_column: str, at: datetime) -> tuple[str, list]:
    """visit_key as a PostgreSQL expression on `person_column`."""
    sql = f"md5(%s || {person_column}::text || %s)::uuid"
    return sql, [f"{VISIT_NAMESPACE}|{venue_id}|", f"|{_visit_slot(at)}"]


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

    One statement: insert unless a visit of this person at this venue lies within the window, and
    unless the same visit key was stored a moment ago by a concurrent scan. With `unless_isolated`, also
    unless the person has an active case; then None means "refused, under isolation".
    """
    at = checkin_time_check(at=at) if at is not None else now()
    key = visit_key(venue_id=venue_id, person_id=person_id, at=at)
    f_time = CheckIn._meta.get_field("checked_in_at")
    f_client = CheckIn._meta.get_field("client_id")
    t = f_time.get_db_prep_save(at, connection)
    isolated_sql, isolated_params = _not_isolated_sql()
    sql = (
        f"INSERT INTO {CheckIn._meta.db_table} "
        "(venue_id, person_id, checked_in_at, method, client_id, has_symptoms) "
        "SELECT %s, %s, %s, %s, %s, %s WHERE NOT EXISTS ("
        f"SELECT 1 FROM {CheckIn._meta.db_table} "
        "WHERE person_id = %s AND venue_id = %s AND checked_in_at >= %s AND checked_in_at <= %s) "
        + (isolated_sql if unless_isolated else "")
        + "ON CONFLICT (client_id) DO NOTHING RETURNING id"
    )
    params = [
        venue_id,
        person_id,
        t,
        method,
        f_client.get_db_prep_save(key, connection),
        has_symptoms,
        person_id,
        venue_id,
        f_time.get_db_prep_save(at - DUPLICATE_WINDOW, connection),
        f_time.get_db_prep_save(at + DUPLICATE_WINDOW, connection),
    ]
    if unless_isolated:
        params += [person_id, *isolated_params]
    with connection.cursor() as cur:
        cur.execute(sql, params)
        row = cur.fetchone()
    if row is not None:
        checkin = CheckIn(
            id=row[0],
            venue_id=venue_id,
            person_id=person_id,
            checked_in_at=at,
            method=method,
            client_id=key,
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
    from epiqr.cases.selectors import case_person_ids_among

    if person_id not in case_person_ids_among(person_ids={person_id}):
        return ""
    return _("Under isolation or quarantine: do not admit. Call the commune health station.")


def _not_isolated_sql() -> tuple[str, list]:
    """The cases rule (cases.selectors.case_active_exists_sql) as a condition of the visit insert on a
    person id parameter, so a live scan needs no separate round trip for it; the refusal is confirmed
    through case_person_ids_among when the insert does not happen."""
    from epiqr.cases.selectors import case_active_exists_sql

    sql, params = case_active_exists_sql(person_column="%s")
    return f"AND NOT {sql} ", params


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


def payload_clean(payload: str) -> str:
    if payload is not None and not isinstance(payload, str):
        raise Invalid(_("The scanned payload must be text."), code="bad_payload", field="payload")
    payload = (payload or "").strip()
    if not payload:
        raise Invalid(_("Nothing was scanned."), code="empty", field="payload")
    if len(payload) > MAX_PAYLOAD_CHARS:
        raise Invalid(_("The scanned text is too long to be an ID card or personal QR."), code="too_long")
    return payload


def checkin_scan(
    *,
    venue_id: int,
    payload: str,
    actor=None,
    at: datetime | None = None,
    method: str = Method.STAFF,
    has_symptoms: bool | None = None,
) -> ScanOutcome:
    """A staff scan of a CCCD, BHYT, national or EpiQR personal QR: find or create the person, check in.

    Unreadable or forged payloads raise Invalid (the people parsers' ParseError) and record nothing.
    """
    from epiqr.people.parsers import parse_payload
    from epiqr.people.selectors import person_for_scanned_document
    from epiqr.people.services import person_from_scan

    payload = payload_clean(payload)
    if at is not None:
        at = checkin_time_check(at=at)
    # A known card that changes nothing: one query. Anything else (new card, details to fill, EpiQR code
    # to check) takes the people service's full path.
    doc = parse_payload(payload)
    if connection.vendor == "postgresql":
        found = _scan_in_one_statement(
            venue_id=venue_id, doc=doc, method=method, at=at or now(), has_symptoms=has_symptoms
        )
        if found is not None:
            return _shown(found, name=doc.full_name, year=doc.birth_year)
        person, created = None, False
    else:
        person, created = person_for_scanned_document(doc=doc), False
    if person is None:
        scan = person_from_scan(payload=payload, actor=actor, create=True)
        person, created = scan.person, scan.created
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
    from epiqr.core.text import initials

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
    (person by card, isolation, duplicate window, visit key, insert); the rules of checkin_scan's
    two-step path. None when the card needs that path (unknown, new document, a blank to fill)."""
    from epiqr.cases.selectors import case_active_exists_sql
    from epiqr.people.selectors import person_from_scan_row, person_scan_columns, person_scan_match_sql

    match = person_scan_match_sql(doc=doc)
    if match is None:
        return None
    person_sql, person_params = match
    # The person as an init-plan value, not a join column: the window and isolation probes then search
    # their indexes by it (as a join column, the window probe read the venue's whole window).
    isolated_sql, isolated_params = case_active_exists_sql(person_column="(SELECT id FROM p)")
    key_sql, key_params = _visit_key_sql(venue_id=venue_id, person_column="p.id", at=at)
    table = CheckIn._meta.db_table
    f_time = CheckIn._meta.get_field("checked_in_at")
    cols = ", ".join(f"p.{c}" for c in person_scan_columns())
    sql = (
        f"WITH p AS ({person_sql}), ins AS ("
        f"INSERT INTO {table} (venue_id, person_id, checked_in_at, method, client_id, has_symptoms) "
        f"SELECT %s, p.id, %s, %s, {key_sql}, %s FROM p "
        f"WHERE NOT EXISTS (SELECT 1 FROM {table} c WHERE c.person_id = (SELECT id FROM p) AND c.venue_id = %s "
        f"AND c.checked_in_at >= %s AND c.checked_in_at <= %s) AND NOT {isolated_sql} "
        f"ON CONFLICT (client_id) DO NOTHING RETURNING id, client_id) "
        f"SELECT {cols}, ins.id, ins.client_id FROM p LEFT JOIN ins ON true"
    )
    params = [
        *person_params,
        venue_id,
        f_time.get_db_prep_save(at, connection),
        method,
        *key_params,
        has_symptoms,
        venue_id,
        f_time.get_db_prep_save(at - DUPLICATE_WINDOW, connection),
        f_time.get_db_prep_save(at + DUPLICATE_WINDOW, connection),
        *isolated_params,
    ]
    with connection.cursor() as cur:
        cur.execute(sql, params)
        row = cur.fetchone()
    if row is None:
        return None
    person = person_from_scan_row(row[:-2])
    checkin_id, key = row[-2:]
    if checkin_id is None:
        rec = _not_inserted(
            venue_id=venue_id, person_id=person.pk, at=at, has_symptoms=has_symptoms, unless_isolated=True
        )
    else:
        checkin = CheckIn(
            id=checkin_id,
            venue_id=venue_id,
            person_id=person.pk,
            checked_in_at=at,
            method=method,
            client_id=key,
            has_symptoms=has_symptoms,
        )
        rec = Recorded(checkin, False)
    return _outcome(person=person, created=False, rec=rec)


def checkin_manual(*, venue_id: int, identifier: str, actor=None, at: datetime | None = None) -> ScanOutcome:
    """Fallback for a damaged card: the staff types the ID number or phone of a registered person.

    Nobody found is NotFound; an ambiguous phone (a family sharing it) is Invalid.
    """
    from epiqr.people.services import person_find

    identifier = (identifier or "").strip()
    if not identifier:
        raise Invalid(_("Type an ID number or a phone number."), code="empty", field="identifier")
    person = person_find(identifier=identifier)
    outcome = _record_for(
        venue_id=venue_id, person=person, created=False, method=Method.STAFF, at=at, has_symptoms=None
    )
    return _shown(outcome, name="", year=None)


def checkin_self(
    *, venue_id: int, people: list, has_symptoms: bool | None, device=None, at: datetime | None = None
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
    *, checkin_ids: list[int], device=None, person_ids: list[int] = (), at: datetime | None = None
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


def device_checkins_forget(*, device, person_id: int) -> int:
    """A phone that forgets a person stops listing the visits it recorded for them (the visits stay)."""
    return DeviceCheckIn.objects.filter(device=device, checkin__person_id=person_id).delete()[0]


def visitor_register(
    *,
    full_name: str,
    phone: str,
    birth_year: int | None,
    commune=None,
    id_number: str = "",
    device=None,
):
    """The person behind a first-time self check-in, linked to the phone under the name it typed.

    The one with this ID number, else the one with this phone, name and birth year (family members share
    a phone), else a new registration. Matching links the phone's check-ins to the person for tracing; it
    shows the phone nothing of theirs. A typed ID number finds a person, it is never stored on a new one:
    a stranger typing someone else's number would otherwise own the record that the real card holder's
    scans, tests and results later land on.
    """
    from epiqr.people.phones import normalise_phone
    from epiqr.people.selectors import person_same_household
    from epiqr.people.services import device_link, person_create, person_find

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


# --- offline batches ------------------------------------------------------------------------------


@dataclass
class ItemResult:
    index: int
    client_id: str
    status: str  # "stored", "duplicate", "rejected"
    reason: str = ""
    code: str = ""
    checkin_id: int | None = None

    def as_dict(self) -> dict:
        out = {"index": self.index, "client_id": self.client_id, "status": self.status}
        if self.reason:
            out["reason"] = self.reason
            out["code"] = self.code
        if self.checkin_id is not None:
            out["checkin_id"] = self.checkin_id
        return out


@dataclass
class _Row:
    index: int
    client_id: uuid.UUID
    venue_id: int
    person_id: int
    at: datetime
    has_symptoms: bool | None
    method: str = Method.BATCH


def _as_bool(value) -> bool | None:
    if value is None or value == "":
        return None
    if isinstance(value, bool):
        return value
    text = str(value).strip().lower()
    if text in {"1", "true", "yes", "y", "co", "có"}:
        return True
    if text in {"0", "false", "no", "n", "khong", "không"}:
        return False
    raise Invalid(_("has_symptoms must be true or false."), code="bad_symptoms", field="has_symptoms")


def _as_time(value) -> datetime:
    if isinstance(value, datetime):
        return value
    text = str(value or "").strip()
    try:
        # A NUL ends the text for CPython's parser (and Django's, built on it): "10:20\x00junk" is no time.
        parsed = parse_datetime(text) if text and "\x00" not in text else None
    except ValueError:  # well formed but impossible, e.g. 31 February
        parsed = None
    if parsed is None:
        raise Invalid(
            _("The scan time is missing or not an ISO 8601 time."), code="bad_time", field="scanned_at"
        )
    return parsed


def scan_time_parse(value) -> datetime:
    """A scan time as sent by a device: ISO 8601 text (without an offset it is Vietnam time)."""
    if not isinstance(value, str):
        raise Invalid(
            _("The scan time is missing or not an ISO 8601 time."), code="bad_time", field="scanned_at"
        )
    return _fast_time(value)


def _as_uuid(value, *, field_name: str, code: str) -> uuid.UUID:
    try:
        return value if isinstance(value, uuid.UUID) else uuid.UUID(str(value))
    except (ValueError, TypeError, AttributeError) as exc:
        raise Invalid(_("%(field)s is missing or not a UUID.") % {"field": field_name}, code=code) from exc


class _BatchContext:
    """Per-batch caches: venues by code (one query for the batch) and people by payload or public id."""

    def __init__(self, *, actor, venue_scope):
        self.actor = actor
        self.scope = venue_scope
        self.venues: dict[str, int | Exception] = {}
        self.people: dict[str, object] = {}
        self.public_ids: dict[uuid.UUID, int] = {}
        self.by_text: dict[str, int] = {}
        self.payload_ids: dict[str, int | None] = {}

    def preload_venues(self, items: list) -> None:
        from epiqr.venues.codes import code_normalise

        if self.scope is None:
            return
        codes = {code_normalise(str(i.get("venue") or "")) for i in items if isinstance(i, dict)}
        self.venues.update(self.scope.filter(code__in=codes - {""}).values_list("code", "pk"))

    def venue_id(self, code) -> int:
        from epiqr.venues.codes import code_normalise
        from epiqr.venues.selectors import venue_by_code

        found = self.venues.get(code) if isinstance(code, str) else None
        if isinstance(found, int):
            return found
        key = code_normalise(str(code or ""))
        if key not in self.venues:
            try:
                venue_by_code(code=key)
                self.venues[key] = (
                    Forbidden(_("You cannot record check-ins at this venue."), code="venue_not_allowed")
                    if self.scope is not None
                    else venue_by_code(code=key).pk
                )
            except (Invalid, NotFound) as exc:
                self.venues[key] = exc
        venue = self.venues[key]
        if isinstance(venue, Exception):
            raise venue
        return venue

    def person_id(self, item: dict) -> int:
        from epiqr.people.services import person_from_scan

        raw = item.get("person")
        if raw:
            found = self.by_text.get(raw) if isinstance(raw, str) else None
            if found is not None:
                return found
            public_id = _as_uuid(raw, field_name="person", code="bad_person")
            if public_id not in self.public_ids:
                raise NotFound(_("No person has this id."), code="person_unknown", field="person")
            return self.public_ids[public_id]
        payload = payload_clean(item.get("payload") or "")
        known = self.payload_ids.get(payload)
        if known is not None:
            return known
        if payload not in self.people:
            try:
                self.people[payload] = person_from_scan(payload=payload, actor=self.actor, create=True).person
            except (Invalid, NotFound) as exc:
                self.people[payload] = exc
        person = self.people[payload]
        if isinstance(person, Exception):
            raise person
        return person.pk

    def preload_people(self, items: list) -> None:
        wanted: dict[str, uuid.UUID] = {}
        for item in items:
            raw = item.get("person") if isinstance(item, dict) else None
            if isinstance(raw, str) and raw and raw not in wanted:
                try:
                    wanted[raw] = uuid.UUID(raw)
                except ValueError:
                    continue
        from epiqr.people.selectors import person_ids_by_public_id

        self.public_ids = person_ids_by_public_id(public_ids=set(wanted.values()))
        self.by_text = {text: self.public_ids[u] for text, u in wanted.items() if u in self.public_ids}
        self._preload_payloads(items)

    def _preload_payloads(self, items: list) -> None:
        """Known cards among the raw payloads, found in one query; the rest go one by one through
        people.services.person_from_scan (new cards, details to fill, personal QR codes, bad payloads)."""
        from epiqr.people.parsers import parse_payload
        from epiqr.people.selectors import person_ids_for_scanned_documents

        texts, docs = [], []
        for item in items:
            raw = item.get("payload") if isinstance(item, dict) and not item.get("person") else None
            if not isinstance(raw, str) or not raw.strip() or len(raw.strip()) > MAX_PAYLOAD_CHARS:
                continue
            text = raw.strip()
            if text in self.payload_ids:
                continue
            try:
                docs.append(parse_payload(text))
            except Invalid:  # the item's own lookup reports why, in its answer
                continue
            texts.append(text)
            self.payload_ids[text] = None
        for text, person_id in zip(texts, person_ids_for_scanned_documents(docs=docs), strict=True):
            if person_id is None:
                del self.payload_ids[text]
            else:
                self.payload_ids[text] = person_id


def _postgres() -> bool:
    return connection.vendor == "postgresql"


def _insert_rows(rows: list[_Row]) -> dict[uuid.UUID, int]:
    """Store rows whose client id is new; returns {client id: check-in id} of the rows this call stored.

    PostgreSQL: INSERT ... SELECT FROM unnest(six arrays) ON CONFLICT (client_id) DO NOTHING RETURNING.
    SQLite: a multi-row VALUES list with the same clause.
    """
    stored: dict[uuid.UUID, int] = {}
    if not rows:
        return stored
    table = CheckIn._meta.db_table
    if _postgres():
        # One statement, atomic by itself: no transaction or savepoint round trips, no COPY to fall back
        # from when a concurrent upload collides, and the new ids come back with it.
        with connection.cursor() as cur:
            cur.execute(
                f"INSERT INTO {table} (venue_id, person_id, checked_in_at, method, client_id, has_symptoms) "
                "SELECT * FROM unnest(%s::bigint[], %s::bigint[], %s::timestamptz[], %s::varchar[], "
                "%s::uuid[], %s::boolean[]) ON CONFLICT (client_id) DO NOTHING RETURNING client_id, id",
                [
                    int_array_literal(r.venue_id for r in rows),
                    int_array_literal(r.person_id for r in rows),
                    array_literal(r.at for r in rows),
                    array_literal(r.method for r in rows),
                    array_literal(r.client_id for r in rows),
                    array_literal(r.has_symptoms for r in rows),
                ],
            )
            return dict(cur.fetchall())
    f_time = CheckIn._meta.get_field("checked_in_at")
    f_client = CheckIn._meta.get_field("client_id")
    for start in range(0, len(rows), INSERT_CHUNK):
        chunk = rows[start : start + INSERT_CHUNK]
        params: list = []
        for r in chunk:
            params += [
                r.venue_id,
                r.person_id,
                f_time.get_db_prep_save(r.at, connection),
                r.method,
                f_client.get_db_prep_save(r.client_id, connection),
                r.has_symptoms,
            ]
        values = ",".join(["(%s,%s,%s,%s,%s,%s)"] * len(chunk))
        sql = (
            f"INSERT INTO {table} (venue_id, person_id, checked_in_at, method, client_id, has_symptoms) "
            f"VALUES {values} ON CONFLICT (client_id) DO NOTHING RETURNING client_id, id"
        )
        with connection.cursor() as cur:
            cur.execute(sql, params)
            for client_id, pk in cur.fetchall():
                stored[uuid.UUID(str(client_id))] = pk
    return stored


def _stored_rows(client_ids: list) -> dict:
    """The stored check-ins with these client ids: {client id: (id, venue id, person id, time)}."""
    if not client_ids:
        return {}
    if _postgres():
        with connection.cursor() as cur:
            cur.execute(
                f"SELECT client_id, id, venue_id, person_id, checked_in_at FROM {CheckIn._meta.db_table} "
                "WHERE client_id = ANY(%s::uuid[])",
                [array_literal(client_ids)],
            )
            return {r[0]: r[1:] for r in cur.fetchall()}
    known: dict = {}
    for start in range(0, len(client_ids), 900):
        part = client_ids[start : start + 900]
        rows = CheckIn.objects.filter(client_id__in=part).values_list(
            "client_id", "pk", "venue_id", "person_id", "checked_in_at"
        )
        known.update({r[0]: r[1:] for r in rows})
    return known


def _visits_near(rows: list[_Row]) -> dict[tuple[int, int], list[tuple]]:
    """Stored visits (time, client id, id) for the (venue, person) pairs of these rows, around their span."""
    if not rows:
        return {}
    lo = min(r.at for r in rows) - DUPLICATE_WINDOW
    hi = max(r.at for r in rows) + DUPLICATE_WINDOW
    found: dict[tuple[int, int], list[tuple]] = {}
    person_ids = sorted({r.person_id for r in rows})
    venue_ids = sorted({r.venue_id for r in rows})
    if _postgres():
        # Each row's own window, joined on its (venue, person): only visits that can matter come back (the
        # batch's whole span over all its people and venues returns many times more rows).
        with connection.cursor() as cur:
            cur.execute(
                f"SELECT DISTINCT c.venue_id, c.person_id, c.checked_in_at, c.client_id, c.id "
                f"FROM unnest(%s::bigint[], %s::bigint[], %s::timestamptz[]) AS w(venue_id, person_id, at) "
                # OFFSET 0 keeps the lateral subquery as is: one index probe per row (the planner, which
                # cannot estimate the unnest, otherwise may hash-join the whole table).
                f"CROSS JOIN LATERAL (SELECT * FROM {CheckIn._meta.db_table} c WHERE c.person_id = w.person_id "
                "AND c.venue_id = w.venue_id AND c.checked_in_at BETWEEN w.at - %s AND w.at + %s OFFSET 0) c",
                [
                    int_array_literal(r.venue_id for r in rows),
                    int_array_literal(r.person_id for r in rows),
                    array_literal(r.at for r in rows),
                    DUPLICATE_WINDOW,
                    DUPLICATE_WINDOW,
                ],
            )
            for venue_id, person_id, at, client_id, pk in cur.fetchall():
                found.setdefault((venue_id, person_id), []).append((at, client_id, pk))
        return found
    for start in range(0, len(person_ids), 900):
        qs = CheckIn.objects.filter(
            person_id__in=person_ids[start : start + 900],
            venue_id__in=venue_ids,
            checked_in_at__gte=lo,
            checked_in_at__lte=hi,
        ).values_list("venue_id", "person_id", "checked_in_at", "client_id", "pk")
        for venue_id, person_id, at, client_id, pk in qs:
            found.setdefault((venue_id, person_id), []).append((at, client_id, pk))
    return found


@gc_paused()
def checkin_batch(*, items: list, actor=None, venue_scope=None) -> list[ItemResult]:
    """Store an offline device's scans, each exactly once; report per item stored/duplicate/rejected.

    Each item: client_id (UUID), venue (code), person (public id) or payload (raw scan), scanned_at
    (ISO 8601; without an offset it is Vietnam time), has_symptoms (optional). A bad item is rejected
    with its reason and never affects the others. Client ids are the sender's (the actor's): the same id
    sent again with the same venue, person and time is "already stored"; with anything else, rejected
    (`client_id_reused`).
    """
    if not isinstance(items, list):
        raise Invalid(_("items must be a list."), code="bad_items", field="items")
    if len(items) > MAX_BATCH_ITEMS:
        raise Invalid(
            _("A batch holds at most %(n)s scans; split the upload.") % {"n": MAX_BATCH_ITEMS},
            code="batch_too_large",
            field="items",
        )
    ctx = _BatchContext(actor=actor, venue_scope=venue_scope)
    sender = sender_of(actor)
    ctx.preload_venues(items)
    ctx.preload_people(items)
    current = now()
    earliest, latest = current - timedelta(days=retention_days()), current + CLOCK_SKEW
    results: list[ItemResult] = []
    rows: list[_Row] = []
    seen: set[uuid.UUID] = set()
    for index, item in enumerate(items):
        raw_id = str(item.get("client_id", "")) if isinstance(item, dict) else ""
        result = ItemResult(index, raw_id, "rejected")
        results.append(result)
        try:
            if not isinstance(item, dict):
                raise Invalid(_("Each item must be an object."), code="bad_item")
            client_id = _as_uuid(item.get("client_id"), field_name="client_id", code="bad_client_id")
            if client_id in seen:
                result.status, result.code = "duplicate", "same_client_id"
                result.reason = _("The same scan appears twice in this batch.")
                continue
            seen.add(client_id)
            at = _fast_time(item.get("scanned_at"))
            if not earliest <= at <= latest:
                at = checkin_time_check(at=at, current=current)  # raises with the reason
            at = at.astimezone(UTC)
            venue_id = ctx.venue_id(item.get("venue"))
            person_id = ctx.person_id(item)
            has_symptoms = _as_bool(item.get("has_symptoms"))
        except (Invalid, NotFound, Forbidden) as exc:
            result.reason, result.code = exc.message, exc.code
            continue
        key = scoped_uuid(sender=sender, client_id=client_id)
        rows.append(_Row(index, key, venue_id, person_id, at, has_symptoms))

    # One read answers both questions: was this very scan stored before (same client id), and is there
    # another visit of the person at the venue within the window?
    near = _visits_near(rows)
    to_insert: list[_Row] = []
    for r in sorted(rows, key=lambda r: r.at):
        visits = near.setdefault((r.venue_id, r.person_id), [])
        res = results[r.index]
        same = next((v for v in visits if v[1] == r.client_id), None)
        if same is not None and same[0] != r.at:
            _reused(res)
        elif same is not None:
            res.status, res.code, res.checkin_id = "duplicate", "already_stored", same[2]
            res.reason = _("This scan was already uploaded.")
        elif any(abs(v[0] - r.at) <= DUPLICATE_WINDOW for v in visits):
            res.status, res.code = "duplicate", "same_visit"
            res.reason = _("Same person at the same venue within a few minutes: one visit.")
        else:
            visits.append((r.at, r.client_id, None))
            to_insert.append(r)

    if _postgres():
        stored = _insert_rows(to_insert)  # one statement
    else:
        with transaction.atomic():
            stored = _insert_rows(to_insert)
    lost = [r.client_id for r in to_insert if r.client_id not in stored]
    known = _stored_rows(lost) if lost else {}
    for r in to_insert:
        res = results[r.index]
        if r.client_id in stored:
            res.status, res.checkin_id = "stored", stored[r.client_id]
        elif _same_scan(known.get(r.client_id), r):  # a concurrent upload of the same scan stored it
            res.status, res.code, res.checkin_id = "duplicate", "already_stored", known[r.client_id][0]
            res.reason = _("This scan was already uploaded.")
        else:  # the sender's id names another scan, stored before
            _reused(res)
    return results


def _reused(res: ItemResult) -> None:
    exc = id_reused("scan")
    res.status, res.code, res.reason = "rejected", exc.code, exc.message


def _same_scan(stored: tuple | None, row: _Row) -> bool:
    """Whether a stored row (id, venue, person, time) is the scan `row` describes."""
    return stored is not None and stored[1:] == (row.venue_id, row.person_id, row.at)


# --- CSV import ----------------------------------------------------------------------------------

IMPORT_COLUMNS = ("venue_code", "person", "checked_in_at")


@dataclass
class ImportReport:
    read: int = 0
    stored: int = 0
    duplicates: int = 0
    errors: list[str] = field(default_factory=list)


_UUID_TEXT = re.compile(r"[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}")


def _fast_time(value) -> datetime:
    """ISO 8601 as written by devices, spreadsheets and exports; naive means Vietnam time."""
    try:
        if "\x00" in value:  # see _as_time
            raise ValueError(value)
        return aware(datetime.fromisoformat(value.strip()))
    except (ValueError, AttributeError, TypeError):
        return aware(_as_time(value))


def _import_rows(
    reader: Iterator[list[str]],
    *,
    cols: dict[str, int],
    venue_ids: dict[str, int],
    report: ImportReport,
    current: datetime,
    sender: str,
    progress: Progress,
    actor=None,
) -> Iterator[list[tuple]]:
    """Parse CSV rows into chunks of (line, client_id, venue_id, person_id, at, has_symptoms), resolving
    people in bulk per chunk (public id; ID number or phone one by one). A row's own client id is made
    the sender's (core.idempotency.scoped_uuid); a row without one is keyed by its content. With an
    `actor`, a row at a venue outside the actor's scope is refused."""
    from epiqr.people.selectors import person_ids_by_public_id_text as people_text
    from epiqr.people.services import person_find
    from epiqr.venues.selectors import venue_by_code, venue_list_visible_to

    in_scope: dict[int, bool] = {}

    def venue_in_scope(venue_id: int) -> bool:
        if actor is None:
            return True
        if venue_id not in in_scope:
            in_scope[venue_id] = venue_list_visible_to(user=actor).filter(pk=venue_id).exists()
        return in_scope[venue_id]

    earliest = current - timedelta(days=retention_days())
    latest = current + CLOCK_SKEW
    i_code, i_person, i_time = cols["venue_code"], cols["person"], cols["checked_in_at"]
    i_client, i_symptoms = cols.get("client_id"), cols.get("has_symptoms")
    width = len(cols)
    pending: list[tuple[int, list[str]]] = []

    def flush() -> list[tuple]:
        wanted = set()
        for _line, row in pending:
            ident = row[i_person].strip().lower() if len(row) > i_person else ""
            if len(ident) == 36 and _UUID_TEXT.fullmatch(ident):
                wanted.add(ident)
        public = people_text(texts=wanted)
        out = []
        for line, row in pending:
            try:
                if len(row) != width:
                    raise Invalid(
                        _("This row has %(n)s fields instead of %(w)s.") % {"n": len(row), "w": width},
                        code="bad_row",
                    )
                code = row[i_code].strip()
                venue_id = venue_ids.get(code)
                if venue_id is None:
                    venue_id = venue_ids[code] = venue_by_code(code=code).pk
                if not venue_in_scope(venue_id):
                    raise Invalid(_("This venue is outside your area."), code="venue_out_of_scope")
                ident = row[i_person].strip()
                key = ident.lower()
                person_id = public.get(key) if key in wanted else person_find(identifier=ident).pk
                if person_id is None:
                    raise NotFound(_("No person matches %(p)s.") % {"p": ident[:40]}, code="person_unknown")
                at = _fast_time(row[i_time])
                if not earliest <= at <= latest:
                    at = checkin_time_check(at=at, current=current)  # raises with the reason
                raw_client = row[i_client].strip().lower() if i_client is not None else ""
                if not raw_client:
                    client_id = str(uuid.uuid5(IMPORT_NAMESPACE, f"{code}|{ident}|{at.isoformat()}"))
                else:
                    device_id = _as_uuid(raw_client, field_name="client_id", code="bad_client_id")
                    client_id = str(scoped_uuid(sender=sender, client_id=device_id))
                at = at.astimezone(UTC)
                has_symptoms = _as_bool(row[i_symptoms]) if i_symptoms is not None else None
            except (Invalid, NotFound) as exc:
                report.errors.append(f"{line}: {exc.message}")
                progress.refuse(
                    line=line, key=(row[i_code] if len(row) > i_code else "")[:40], message=exc.message
                )
                continue
            out.append((line, client_id, venue_id, person_id, at, has_symptoms))
        progress.advance(len(pending))
        pending.clear()
        return out

    for line, row in enumerate(reader, start=2):
        if not row:
            continue
        report.read += 1
        pending.append((line, row))
        if len(pending) >= IMPORT_CHUNK:
            yield flush()
    if pending:
        yield flush()


IMPORT_CHUNK = 10_000
_COLUMNS = "venue_id, person_id, checked_in_at, method, client_id, has_symptoms"


def _once_per_id(rows: list[tuple]) -> tuple[list[tuple], list[int]]:
    """The rows once per client id, and the lines that reuse an earlier row's id with other content."""
    first: dict[str, tuple] = {}
    reused: list[int] = []
    for r in rows:
        seen = first.setdefault(r[1], r)
        if seen is not r and seen[2:5] != r[2:5]:
            reused.append(r[0])
    return list(first.values()), reused


def _copy_rows_postgres(fresh: list[tuple]) -> tuple[int, list[str]]:
    """Store the rows not stored before, with COPY: (how many were new, the client ids stored before
    for another check-in). Each row's client id appears once in `fresh`.

    Fast path: COPY straight into the table. If any row was stored before (a re-import, an overlapping
    file, a concurrent import), the unique client id stops the COPY and the chunk goes again through a
    temporary table and INSERT ... ON CONFLICT DO NOTHING, which skips exactly those rows.
    """
    import psycopg

    table = CheckIn._meta.db_table
    with connection.cursor() as cur:
        method = Method.IMPORT.value
        try:
            with transaction.atomic():
                with cur.cursor.copy(f"COPY {table} ({_COLUMNS}) FROM STDIN") as copy:
                    for _line, client_id, venue_id, person_id, at, symptoms in fresh:
                        copy.write_row((venue_id, person_id, at, method, client_id, symptoms))
            return len(fresh), []
        except psycopg.IntegrityError:
            pass
        cur.execute(
            "CREATE TEMP TABLE IF NOT EXISTS checkin_import "
            "(venue_id bigint, person_id bigint, checked_in_at timestamptz, method varchar(10), "
            "client_id uuid, has_symptoms boolean) ON COMMIT DELETE ROWS"
        )
        with cur.cursor.copy(f"COPY checkin_import ({_COLUMNS}) FROM STDIN") as copy:
            for _line, client_id, venue_id, person_id, at, symptoms in fresh:
                copy.write_row((venue_id, person_id, at, method, client_id, symptoms))
        cur.execute(
            f"INSERT INTO {table} ({_COLUMNS}) SELECT {_COLUMNS} FROM checkin_import "
            "ON CONFLICT (client_id) DO NOTHING"
        )
        stored = cur.rowcount
        cur.execute(
            f"SELECT t.client_id::text FROM checkin_import t JOIN {table} c ON c.client_id = t.client_id "
            "WHERE c.venue_id <> t.venue_id OR c.person_id <> t.person_id OR c.checked_in_at <> t.checked_in_at"
        )
        return stored, [r[0] for r in cur.fetchall()]


def checkins_import(
    *,
    stream: io.TextIOBase,
    progress: Progress | None = None,
    current: datetime | None = None,
    sender: str = "import",
    actor=None,
) -> ImportReport:
    """Import check-ins from CSV (venue_code, person, checked_in_at[, client_id, has_symptoms]).

    `person` is an EpiQR public id, an ID number or a phone. Rows are stored with COPY on PostgreSQL and
    multi-row inserts elsewhere; a row seen before (same client id; without one, same venue, person and
    time) is skipped, so importing a file twice stores it once. Bad rows are reported by line and skipped,
    among them a row whose client id the same sender (`sender`: the system the file comes from) used
    for another check-in, and rows at venues outside the `actor`'s scope (an officer's upload; the
    operator's command passes none). `progress` hears of rows read and refused (core.progress).
    """
    progress = progress or Progress()
    reader = csv.reader(stream)
    header = [h.strip().lower() for h in next(reader, [])]
    missing = [c for c in IMPORT_COLUMNS if c not in header]
    if missing:
        raise Invalid(_("The CSV lacks the columns: %(c)s.") % {"c": ", ".join(missing)}, code="bad_header")
    cols = {name: i for i, name in enumerate(header)}
    report = ImportReport()
    current = current or now()
    chunks = _import_rows(
        reader,
        cols=cols,
        venue_ids={},
        report=report,
        current=current,
        sender=sender,
        progress=progress,
        actor=actor,
    )

    def account(chunk_len: int, outcome: tuple[int, list[int]]) -> None:
        stored, reused = outcome
        report.stored += stored
        report.duplicates += chunk_len - stored - len(reused)
        reason = _("This client_id was already used for another check-in: give each row its own id.")
        report.errors += [f"{line}: {reason}" for line in sorted(reused)]
        for line in sorted(reused):
            progress.refuse(line=line, key="client_id", message=reason)

    if connection.vendor == "postgresql" and not connection.in_atomic_block:
        # Parse the next chunk while a second connection COPYs this one (the database waits overlap
        # the CSV work). Each chunk is its own transaction either way.
        with ThreadPoolExecutor(max_workers=1) as pool:
            try:
                running = None
                for chunk in chunks:
                    if running is not None:
                        account(running[1], running[0].result())
                    running = (pool.submit(_store_chunk, chunk), len(chunk))
                if running is not None:
                    account(running[1], running[0].result())
            finally:
                pool.submit(lambda: connection.close()).result()  # the worker thread's own connection
        return report
    for chunk in chunks:
        account(len(chunk), _store_chunk(chunk))
    return report


def _store_chunk(chunk: list[tuple]) -> tuple[int, list[int]]:
    """Store a chunk: (rows new, lines refused for reusing a client id with other content)."""
    fresh, reused = _once_per_id(chunk)
    line_of = {r[1]: r[0] for r in fresh}
    with transaction.atomic():
        if connection.vendor == "postgresql":
            stored, taken = _copy_rows_postgres(fresh)
            return stored, reused + [line_of[client_id] for client_id in taken]
        rows = [_Row(r[0], uuid.UUID(r[1]), r[2], r[3], r[4], r[5], Method.IMPORT) for r in fresh]
        stored = _insert_rows(rows)
        lost = [r for r in rows if r.client_id not in stored]
        known = _stored_rows([r.client_id for r in lost])
        return len(stored), reused + [r.index for r in lost if not _same_scan(known.get(r.client_id), r)]


# --- daily counts and retention ------------------------------------------------------------------


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
    before, stay exact.
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
    while True:  # in slices, so one purge never holds a huge transaction
        ids = list(CheckIn.objects.filter(checked_in_at__lt=cutoff).values_list("pk", flat=True)[:20000])
        if not ids:
            break
        deleted_checkins += CheckIn.objects.filter(pk__in=ids).delete()[0]
    deleted_declarations = HealthDeclaration.objects.filter(created_at__lt=cutoff).delete()[0]
    return PurgeReport(cutoff, deleted_checkins, deleted_declarations, rolled)


# --- health declarations -------------------------------------------------------------------------


def declaration_submit(*, data: dict, actor=None) -> HealthDeclaration:
    """Store a validated declaration (see forms.DeclarationForm); flag it when symptoms or exposure."""
    from epiqr.people.services import person_find

    person = None
    for ident in (data.get("id_number"), data.get("phone")):
        if ident and person is None:
            try:
                person = person_find(identifier=ident)
            except (NotFound, Invalid):  # not registered, a passport, or a phone shared by a family
                person = None
    fields = {f.name for f in HealthDeclaration._meta.get_fields()}
    values = {k: v for k, v in data.items() if k in fields and k not in ("commune",)}
    declaration = HealthDeclaration(
        **values,
        commune_id=data["commune"].pk if hasattr(data["commune"], "pk") else data["commune"],
        person=person,
        flagged=bool(data.get("symptoms") or data.get("exposures")),
    )
    declaration.save()
    return declaration


def declaration_follow_up(*, declaration: HealthDeclaration, actor, note: str = "") -> HealthDeclaration:
    """The commune officer has called the person: the declaration leaves the follow-up list."""
    declaration.followed_up_at = now()
    declaration.followed_up_by = actor
    declaration.follow_up_note = (note or "").strip()[:500]
    declaration.save(update_fields=["followed_up_at", "followed_up_by", "follow_up_note"])
    return declaration
