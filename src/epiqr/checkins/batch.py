"""Offline batches: a device's scans uploaded later, each stored exactly once, each item judged alone.

Retried uploads carry a client id; the unique column stores each scan exactly once, even when two
uploads of the same batch race. The id is the sender's own (core.idempotency.scoped_uuid): another
device's scan with the same id is another scan, and the same sender's id with other content is refused.
A batch reports what already happened, so a scan of a person under isolation is stored.
"""

import uuid
from dataclasses import dataclass
from datetime import UTC, timedelta

from django.db import connection, transaction
from django.utils.translation import gettext as _

from epiqr.accounts.models import User
from epiqr.core.errors import Forbidden, Invalid, NotFound
from epiqr.core.idempotency import id_reused, scoped_uuid, sender_of
from epiqr.core.memory import gc_paused
from epiqr.core.timeutil import now
from epiqr.people.parsers import parse_payload
from epiqr.people.selectors import person_ids_by_public_id_text, person_ids_for_scanned_documents
from epiqr.people.services import person_from_scan
from epiqr.venues.codes import code_normalise
from epiqr.venues.selectors import venue_by_code

from .rules import (
    CLOCK_SKEW,
    DUPLICATE_WINDOW,
    MAX_BATCH_ITEMS,
    MAX_PAYLOAD_CHARS,
    UUID_TEXT,
    checkin_time_check,
    parse_bool,
    parse_time,
    parse_uuid,
    payload_clean,
    retention_days,
)
from .store import Row, rows_insert, rows_stored, same_scan, visits_near


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


class _BatchContext:
    """Per-batch caches: venues by code (one query for the batch) and people by payload or public id."""

    def __init__(self, *, actor, venue_scope):
        self.actor = actor
        self.scope = venue_scope
        self.venues: dict[str, int | Exception] = {}
        self.people: dict[str, object] = {}
        self.by_text: dict[str, int] = {}  # person ids by the public id text items carry
        self.payload_ids: dict[str, int | None] = {}
        self.docs: dict[str, object] = {}  # payloads parsed by _preload_payloads, not parsed again

    def preload_venues(self, items: list) -> None:
        if self.scope is None:
            return
        codes = {code_normalise(str(i.get("venue") or "")) for i in items if isinstance(i, dict)}
        self.venues.update(self.scope.filter(code__in=codes - {""}).values_list("code", "pk"))

    def venue_id(self, code) -> int:
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
        raw = item.get("person")
        if raw:
            found = self.by_text.get(raw) if isinstance(raw, str) else None
            if found is not None:
                return found
            parse_uuid(raw, field_name="person", code="bad_person")  # not an id at all: that reason first
            raise NotFound(_("No person has this id."), code="person_unknown", field="person")
        payload = payload_clean(item.get("payload") or "")
        known = self.payload_ids.get(payload)
        if known is not None:
            return known
        if payload not in self.people:
            try:
                self.people[payload] = person_from_scan(
                    payload=payload, actor=self.actor, create=True, doc=self.docs.get(payload)
                ).person
            except (Invalid, NotFound) as exc:
                self.people[payload] = exc
        person = self.people[payload]
        if isinstance(person, Exception):
            raise person
        return person.pk

    def preload_people(self, items: list) -> None:
        """Every public id of the batch in one read, compared as canonical text (lower case with dashes,
        what devices send): no UUID object per item, each way."""
        canonical: dict[str, str] = {}
        for item in items:
            raw = item.get("person") if isinstance(item, dict) else None
            if isinstance(raw, str) and raw and raw not in canonical:
                if len(raw) == 36 and UUID_TEXT.fullmatch(raw):
                    canonical[raw] = raw
                    continue
                try:
                    canonical[raw] = str(uuid.UUID(raw))
                except ValueError:
                    continue
        found = person_ids_by_public_id_text(texts=set(canonical.values()))
        self.by_text = {raw: found[text] for raw, text in canonical.items() if text in found}
        self._preload_payloads(items)

    def _preload_payloads(self, items: list) -> None:
        """Known cards among the raw payloads, found in one query; the rest go one by one through
        people.services.person_from_scan (new cards, details to fill, personal QR codes, bad payloads)."""
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
            self.docs[text] = docs[-1]
            texts.append(text)
            self.payload_ids[text] = None
        for text, person_id in zip(texts, person_ids_for_scanned_documents(docs=docs), strict=True):
            if person_id is None:
                del self.payload_ids[text]
            else:
                self.payload_ids[text] = person_id


@gc_paused()
def checkin_batch(*, items: list, actor: User | None = None, venue_scope=None) -> list[ItemResult]:
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
    rows: list[Row] = []
    seen: set[uuid.UUID] = set()
    for index, item in enumerate(items):
        raw_id = str(item.get("client_id", "")) if isinstance(item, dict) else ""
        result = ItemResult(index, raw_id, "rejected")
        results.append(result)
        try:
            if not isinstance(item, dict):
                raise Invalid(_("Each item must be an object."), code="bad_item")
            client_id = parse_uuid(item.get("client_id"), field_name="client_id", code="bad_client_id")
            if client_id in seen:
                result.status, result.code = "duplicate", "same_client_id"
                result.reason = _("The same scan appears twice in this batch.")
                continue
            seen.add(client_id)
            at = parse_time(item.get("scanned_at"))
            if not earliest <= at <= latest:
                at = checkin_time_check(at=at, current=current)  # raises with the reason
            at = at.astimezone(UTC)
            venue_id = ctx.venue_id(item.get("venue"))
            person_id = ctx.person_id(item)
            has_symptoms = parse_bool(item.get("has_symptoms"))
        except (Invalid, NotFound, Forbidden) as exc:
            result.reason, result.code = exc.message, exc.code
            continue
        key = scoped_uuid(sender=sender, client_id=client_id)
        rows.append(Row(index, key, venue_id, person_id, at, has_symptoms))

    # One read answers both questions: was this very scan stored before (same client id), and is there
    # another visit of the person at the venue within the window?
    near = visits_near(rows)
    to_insert: list[Row] = []
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

    if connection.vendor == "postgresql":
        stored = rows_insert(to_insert)  # one statement
    else:
        with transaction.atomic():
            stored = rows_insert(to_insert)
    lost = [r.client_id for r in to_insert if r.client_id not in stored]
    known = rows_stored(lost) if lost else {}
    for r in to_insert:
        res = results[r.index]
        if r.client_id in stored:
            res.status, res.checkin_id = "stored", stored[r.client_id]
        elif same_scan(known.get(r.client_id), r):  # a concurrent upload of the same scan stored it
            res.status, res.code, res.checkin_id = "duplicate", "already_stored", known[r.client_id][0]
            res.reason = _("This scan was already uploaded.")
        else:  # the sender's id names another scan, stored before
            _reused(res)
    return results


def _reused(res: ItemResult) -> None:
    exc = id_reused("scan")
    res.status, res.code, res.reason = "rejected", exc.code, exc.message
