"""Writes of the vaccination domain: sites, lots, sessions, screening notes, doses, adverse events.

Rules: a dose earlier than the schedule in force allows (schedules.py), or for someone whose screening
noted a contraindication, is refused unless the vaccinator gives an explicit reason (`override`). A lot
must be of the dose's product and not expired on the day. Scope is checked before any write: a session's
site must be in the actor's jurisdiction.
"""

from __future__ import annotations

import re
import secrets
import uuid
from dataclasses import dataclass
from datetime import date, datetime, time, timedelta

from django.conf import settings
from django.db import IntegrityError, connection, transaction
from django.utils import translation
from django.utils.translation import gettext as _

from epiqr.accounts.selectors import user_in_jurisdiction
from epiqr.cases.selectors import Recovery, person_latest_recovery
from epiqr.core import events, keyring
from epiqr.core.errors import Conflict, Invalid, NotFound, ServiceError
from epiqr.core.idempotency import scoped_uuid, sender_of
from epiqr.core.services import audit_record, revocation_add
from epiqr.core.text import fold
from epiqr.core.timeutil import aware, local, now
from epiqr.notify.services import Notice, message_render, message_send, notices_send
from epiqr.people.models import Person
from epiqr.people.parsers import parse_payload
from epiqr.people.selectors import person_for_scanned_document, person_from_scan_row, person_scan_columns
from epiqr.people.services import person_create, person_find, person_from_scan
from epiqr.testing.selectors import NegativeTest, person_latest_negative_test

from . import dcc, groups, schedules, status, store
from .events import CERTIFICATE_REVOKED, DOSE_RECORDED
from .models import (
    AdverseEvent,
    Certificate,
    DoorRule,
    Dose,
    DoseSource,
    GroupSource,
    Invitation,
    Lot,
    PriorityMember,
    Screening,
    Session,
    Severity,
    Site,
)
from .selectors import door_rules_forget, prior_doses

OBSERVATION_MINUTES = 30  # QĐ 3355/QĐ-BYT (2021): watch everyone 30 minutes after the injection


def _check_scope(*, actor, commune_id: int | None, what: str = "session") -> None:
    if actor is not None and not user_in_jurisdiction(user=actor, commune_id=commune_id):
        if what == "site":
            raise NotFound(
                _("No such vaccination site in your area."), code="site_not_found", field="site_id"
            )
        raise NotFound(_("No such vaccination session in your area."), code="session_not_found")


def site_create(*, name: str, commune_id: int, address: str = "", actor=None) -> Site:
    name = (name or "").strip()
    if not name:
        raise Invalid(_("Give the vaccination site a name."), field="name")
    _check_scope(actor=actor, commune_id=commune_id)
    return Site.objects.create(name=name[:200], commune_id=commune_id, address=(address or "").strip()[:255])


def lot_get_or_create(*, product: str, number: str, expires_on: date) -> Lot:
    if product not in schedules.PRODUCTS:
        raise Invalid(_("Unknown vaccine product."), field="product")
    number = (number or "").strip().upper()
    if not number:
        raise Invalid(_("Give the lot number."), field="lot")
    lot, _created = Lot.objects.get_or_create(
        product=product, number=number[:40], defaults={"expires_on": expires_on}
    )
    return lot


def session_create(
    *, site: Site, day: date, team: str, product: str, lot: Lot | None = None, actor=None
) -> Session:
    _check_scope(actor=actor, commune_id=site.commune_id)
    if product not in schedules.PRODUCTS:
        raise Invalid(_("Unknown vaccine product."), field="product")
    if lot is not None and lot.product != product:
        raise Invalid(_("This lot is of another vaccine."), field="lot")
    return Session.objects.create(
        site=site, day=day, team=(team or "").strip()[:100], product=product, lot=lot, created_by=actor
    )


def screening_note(
    *, person, note: str, contraindicated: bool, session: Session | None = None, actor=None
) -> Screening:
    note = (note or "").strip()
    if not note:
        raise Invalid(_("Write what the screening found."), field="note")
    row = Screening.objects.create(
        person=person, session=session, contraindicated=contraindicated, note=note[:500], at=now(), by=actor
    )
    audit_record(actor=actor, action="vaccination.screening", target=person)
    return row


def dose_advice(
    *, person_id: int, product: str, at: datetime
) -> tuple[schedules.SchedulePolicy, schedules.DoseAdvice]:
    day = local(at).date()
    policy = schedules.policy_for(day)
    return policy, schedules.next_dose(policy, product, prior_doses(person_id=person_id), day)


@dataclass(frozen=True)
class DoseOutcome:
    dose: Dose
    stored: bool  # False: a retried write, already stored


def dose_record(
    *,
    person,
    product: str,
    given_at: datetime,
    source: str,
    actor=None,
    session: Session | None = None,
    site: Site | None = None,
    lot: Lot | None = None,
    lot_number: str = "",
    override: str = "",
    client_id: uuid.UUID | None = None,
    country: str = "VN",
    observe: bool = False,
) -> DoseOutcome:
    """Record one dose. Refused (Conflict `too_early` / `contraindicated`, 409) when the schedule or the
    screening says no and `override` gives no reason; an override is audited."""
    if product not in schedules.PRODUCTS:
        raise Invalid(_("Unknown vaccine product."), field="product", code="unknown_product")
    if given_at > now() + timedelta(minutes=5):
        raise Invalid(_("A dose cannot be recorded in the future."), field="given_at", code="future")
    if session is not None:
        _check_scope(actor=actor, commune_id=session.site.commune_id)
        site = site or session.site
    if lot is not None:
        _lot_check(lot=lot, product=product, given_at=given_at)
        lot_number = lot.number
    override = (override or "").strip()[:300]
    if client_id is not None:
        existing = Dose.objects.filter(client_id=client_id).first()
        if existing is not None:
            return DoseOutcome(existing, False)
    try:
        with transaction.atomic():
            # One dose at a time per person: two stations scanning the same card cannot both give "dose 2"
            # (the unique person and number stops the station's one-statement path, which takes no lock).
            list(Person.objects.select_for_update().filter(pk=person.pk).values_list("pk", flat=True))
            policy, advice = dose_advice(person_id=person.pk, product=product, at=given_at)
            if source == DoseSource.STATION and not override:
                if advice.too_early:
                    if advice.earliest is None:
                        message = _("No further dose is in the schedule in force (%(policy)s).") % {
                            "policy": policy.name
                        }
                    else:
                        message = _("Too early for dose %(n)d: the schedule allows it from %(day)s.") % {
                            "n": advice.number,
                            "day": f"{advice.earliest:%d/%m/%Y}",
                        }
                    raise Conflict(message, code="too_early")
                if _contraindicated(person_id=person.pk):
                    raise Conflict(
                        _("The screening noted a contraindication: give a reason to vaccinate anyway."),
                        code="contraindicated",
                    )
            dose = Dose.objects.create(
                person=person,
                number=advice.number,
                series_doses=advice.series_doses,
                product=product,
                lot=lot,
                lot_number=(lot_number or "").strip()[:40],
                given_at=given_at,
                site=site,
                session=session,
                given_by=actor if getattr(actor, "pk", None) else None,
                source=source,
                country=(country or "VN").upper()[:2],
                schedule=policy.name,
                early_override=override if (advice.too_early or override) else "",
                observe_until=given_at + timedelta(minutes=OBSERVATION_MINUTES) if observe else None,
                client_id=client_id,
            )
            if override:
                audit_record(actor=actor, action="vaccination.dose_override", target=dose, reason=override)
            _dose_recorded(dose=dose)
    except IntegrityError:
        # the transaction (or its savepoint) is rolled back: a retry of a stored client id, or this
        # person's dose of that number stored a moment ago by another station
        existing = Dose.objects.filter(client_id=client_id).first() if client_id else None
        if existing is not None:
            return DoseOutcome(existing, False)
        if Dose.objects.filter(person_id=person.pk, number=advice.number).exists():
            raise Conflict(
                _("Another station recorded a dose for this person a moment ago: scan the card again."),
                code="concurrent_dose",
            ) from None
        raise
    return DoseOutcome(dose, True)


def _lot_check(*, lot: Lot, product: str, given_at: datetime) -> None:
    """A lot must be of the dose's product and not expired on the day."""
    if lot.product != product:
        raise Invalid(_("This lot is of another vaccine."), field="lot", code="lot_product")
    if lot.expires_on < local(given_at).date():
        raise Invalid(
            _("Lot %(lot)s expired on %(day)s: do not use it.")
            % {"lot": lot.number, "day": f"{lot.expires_on:%d/%m/%Y}"},
            field="lot",
            code="lot_expired",
        )


def _dose_recorded(*, dose: Dose) -> None:
    events.emit(
        DOSE_RECORDED,
        dose_id=dose.pk,
        person_id=dose.person_id,
        number=dose.number,
        product=dose.product,
        source=dose.source,
        actor_id=dose.given_by_id,
    )


def _contraindicated(*, person_id: int) -> bool:
    """contraindication(...) is not None, reading one column."""
    latest = (
        Screening.objects.filter(person_id=person_id)
        .order_by("-at", "-id")
        .values_list("contraindicated")[:1]
    )
    return bool(latest and latest[0][0])


def contraindication(*, person_id: int) -> Screening | None:
    """The latest screening note, if it says not to vaccinate (a later note without it lifts it)."""
    latest = Screening.objects.filter(person_id=person_id).order_by("-at", "-id").first()
    return latest if latest is not None and latest.contraindicated else None


def observation_end(*, dose: Dose, actor=None) -> Dose:
    if dose.observed_at is None:
        dose.observed_at = now()
        dose.save(update_fields=["observed_at"])
    return dose


def adverse_event_record(
    *, dose: Dose, severity: str, description: str, onset_at: datetime | None = None, actor=None
) -> AdverseEvent:
    if severity not in Severity.values:
        raise Invalid(_("Choose the severity."), field="severity")
    description = (description or "").strip()
    if not description:
        raise Invalid(_("Describe what happened."), field="description")
    onset_at = onset_at or now()
    if onset_at < dose.given_at - timedelta(minutes=1) or onset_at > now() + timedelta(minutes=5):
        raise Invalid(_("The onset must be after the dose and not in the future."), field="onset_at")
    event = AdverseEvent.objects.create(
        dose=dose, severity=severity, description=description[:500], onset_at=onset_at, recorded_by=actor
    )
    audit_record(actor=actor, action="vaccination.aefi", target=dose, detail={"severity": severity})
    return event


# --- the vaccinator station ---------------------------------------------------------------------------


@dataclass
class StationPerson:
    person: Person
    doses: list
    screening: Screening | None
    advice: schedules.DoseAdvice
    policy: schedules.SchedulePolicy
    created: bool


def station_identify(*, session: Session, payload: str, actor) -> StationPerson:
    """The person a scan names (registered from a chip card on first sight), with their doses, the
    latest screening note and what the next dose of the session's product would be."""
    payload = (payload or "").strip()
    if not payload:
        raise Invalid(_("Nothing was scanned."), code="empty")
    _check_scope(actor=actor, commune_id=session.site.commune_id)
    found = person_from_scan(payload=payload, actor=actor, commune=session.site.commune)
    view = station_view(session=session, person=found.person)
    view.created = found.created
    return view


def station_view(*, session: Session, person) -> StationPerson:
    """What the station shows about someone: doses so far, the latest screening note, the next dose."""
    policy, advice = dose_advice(person_id=person.pk, product=session.product, at=now())
    return StationPerson(
        person=person,
        doses=list(Dose.objects.filter(person=person).select_related("site").order_by("given_at")),
        screening=Screening.objects.filter(person=person).order_by("-at", "-id").first(),
        advice=advice,
        policy=policy,
        created=False,
    )


def station_record(*, session: Session, person, actor, lot: Lot | None = None, override: str = "") -> Dose:
    """The station's one keystroke: the session's product and lot (or the chosen lot), now."""
    lot = lot or session.lot
    return dose_record(
        person=person,
        product=session.product,
        given_at=now(),
        source=DoseSource.STATION,
        actor=actor,
        session=session,
        lot=lot,
        override=override,
        observe=True,
    ).dose


def station_record_scan(
    *, session: Session, payload: str, actor, lot_id: int | None = None, override: str = "", client_id=None
) -> DoseOutcome:
    """The station's API: one scan records the session's dose for that person at once.

    Without an override, a known card takes one statement on PostgreSQL (`store.station_scan_insert`:
    the person, the schedule and screening check, the insert) and a person found otherwise one more
    (`store.dose_checked_insert`); whatever they did not store (a refusal, a retry, a concurrent dose)
    goes through dose_record, which says why with the same rule in Python."""
    _check_scope(actor=actor, commune_id=session.site.commune_id)
    lot = session.lot
    if lot_id is not None:
        lot = Lot.objects.filter(pk=lot_id, product=session.product).first()
        if lot is None:
            raise Invalid(_("This lot is of another vaccine."), field="lot_id", code="lot_product")
    key = scoped_uuid(sender=sender_of(actor), client_id=client_id) if client_id else None
    payload = (payload or "").strip()
    doc = parse_payload(payload)
    override = (override or "").strip()[:300]
    at = now()
    person: Person | None = None
    if not override:
        if lot is not None:
            _lot_check(lot=lot, product=session.product, given_at=at)
        planned = store.StationDose(
            product=session.product,
            at=at,
            observe_until=at + timedelta(minutes=OBSERVATION_MINUTES),
            session_id=session.pk,
            site_id=session.site_id,
            lot_id=lot.pk if lot is not None else None,
            lot_number=lot.number if lot is not None else "",
            given_by_id=actor.pk if getattr(actor, "pk", None) else None,
            client_id=key,
        )
        person, stored = _station_fast(doc=doc, planned=planned)
        if stored is not None and person is not None:
            stored.person = person
            _dose_recorded(dose=stored)
            return DoseOutcome(stored, True)
    if person is None:
        # A known card that changes nothing about its holder: one query (as the check-in scan); anything
        # else (a new card, details to fill, an EpiQR code to check) takes the people service's full path.
        person = person_for_scanned_document(doc=doc)
    if person is None:
        person = person_from_scan(payload=payload, actor=actor, commune=session.site.commune, doc=doc).person
    outcome = dose_record(
        person=person,
        product=session.product,
        given_at=at,
        source=DoseSource.STATION,
        actor=actor,
        session=session,
        lot=lot,
        override=override,
        client_id=key,
        observe=True,
    )
    if not outcome.stored and outcome.dose.person_id == person.pk:
        outcome.dose.person = person
    return outcome


def _station_fast(*, doc, planned: store.StationDose) -> tuple[Person | None, Dose | None]:
    """The station's dose in one statement when the card is known and nothing needs the full path: the
    person (None when the card needs people's full path) and the stored dose (None when not stored)."""
    person: Person | None
    if connection.vendor == "postgresql":
        row = store.station_scan_insert(doc=doc, dose=planned)
        if row is None:
            return None, None
        width = len(person_scan_columns())
        person = person_from_scan_row(row[:width])
        _verdict, number, series, schedule, dose_id = row[width:]
    else:
        person = person_for_scanned_document(doc=doc)
        if person is None:
            return None, None
        _verdict, number, series, schedule, dose_id = store.dose_checked_insert(
            person_id=person.pk, dose=planned
        )
    if dose_id is None:
        return person, None
    dose = Dose(
        id=dose_id,
        person_id=person.pk,
        number=number,
        series_doses=series,
        product=planned.product,
        lot_id=planned.lot_id,
        lot_number=planned.lot_number,
        given_at=planned.at,
        site_id=planned.site_id,
        session_id=planned.session_id,
        given_by_id=planned.given_by_id,
        source=planned.source,
        country=planned.country,
        schedule=schedule,
        observe_until=planned.observe_until,
        client_id=planned.client_id,
        recorded_at=planned.at,
    )
    return person, dose


# --- doses from other systems: idempotent batches (API) and history imports -----------------------------


@dataclass
class DoseItem:
    client_id: uuid.UUID | None
    id_number: str
    full_name: str
    product: str
    given_at: datetime
    birth_date: date | None = None
    sex: str = ""
    phone: str = ""
    lot_number: str = ""
    country: str = "VN"
    site_id: int | None = None


@dataclass
class Invitee:
    """Someone on an invitation list (imported): who, and their priority group."""

    id_number: str
    full_name: str
    birth_date: date | None = None
    sex: str = ""
    phone: str = ""
    group: str = ""


def invitation_add(*, session: Session, invitee: Invitee, slot_at: datetime, actor) -> str:
    """Invite someone of an imported list to the session at `slot_at`: found by ID number (the name must
    agree) or registered. "invited", or "already_invited" (the same list imported twice invites once)."""
    _check_scope(actor=actor, commune_id=session.site.commune_id)
    person = _person_for_item(invitee, actor=actor)
    label = invitee.group[:100]
    found = priority_group_from_text(text=invitee.group, day=session.day)
    if found is not None:
        # the list says which group: the registry learns it (a staff's own record of it is kept)
        label = found.code
        priority_group_set(
            person=person,
            group=found.code,
            actor=actor,
            source=GroupSource.IMPORT,
            since=min(session.day, local(now()).date()),
        )
    _invitation, created = Invitation.objects.get_or_create(
        session=session, person=person, defaults={"slot_at": slot_at, "group": label}
    )
    return "invited" if created else "already_invited"


# --- priority groups (groups.py: the versioned lists, Resolution 21/NQ-CP) ----------------------------

_GROUP_NUMBER = re.compile(r"(?:nhom|group|n)?\s*0*(\d{1,3})")


def priority_group_from_text(*, text: str, day: date) -> groups.PriorityGroup | None:
    """The group a cell of an invitation list names, in the list in force on `day`: its number ("1",
    "Nhóm 1", "N01"), its code, or its label in Vietnamese or English (accents and case ignored). None
    when it names none (the text is then kept as the invitation's label only)."""
    folded = fold(text)
    if not folded:
        return None
    number = _GROUP_NUMBER.fullmatch(folded)
    if number:
        return groups.group_by_number(int(number.group(1)), day)
    in_force = groups.list_for(day).groups
    for group in in_force:
        if folded.replace(" ", "_") == group.code or folded == fold(group.label):
            return group
        with translation.override("vi"):
            if folded == fold(_(group.label)):
                return group
    return None


def priority_group_set(
    *, person, group: str, actor, source: str = GroupSource.STAFF, since: date | None = None
) -> PriorityMember:
    """Record that `person` belongs to a priority group (a code of the list in force on `since`, today by
    default). Staff decide: their record replaces the group's earlier one (audited). An imported list
    only adds a group the registry did not know for the person."""
    today = local(now()).date()
    since = since or today
    if since > today:
        raise Invalid(_("The day cannot be in the future."), field="since", code="future")
    group_list = groups.list_for(since)
    if group not in {g.code for g in group_list.groups}:
        raise Invalid(_("Choose a priority group of the list."), field="group", code="unknown_group")
    defaults = {
        "group_list": group_list.name,
        "source": source,
        "since": since,
        "set_by": actor if getattr(actor, "pk", None) else None,
        "set_at": now(),
    }
    if source != GroupSource.STAFF:
        member, _created = PriorityMember.objects.get_or_create(person=person, group=group, defaults=defaults)
        return member
    member, _created = PriorityMember.objects.update_or_create(person=person, group=group, defaults=defaults)
    audit_record(
        actor=actor, action="vaccination.priority_group", target=person, detail={"group": group, "set": True}
    )
    return member


def priority_group_remove(*, person, group: str, actor) -> bool:
    """Take a person out of a priority group (audited); False when they were not in it."""
    deleted, _rows = PriorityMember.objects.filter(person=person, group=group).delete()
    if deleted:
        audit_record(
            actor=actor,
            action="vaccination.priority_group",
            target=person,
            detail={"group": group, "set": False},
        )
    return bool(deleted)


def _person_for_item(item: DoseItem | Invitee, *, actor):
    """Found by ID number (the name must agree), else registered with the sender's details."""
    number = "".join(item.id_number.split())
    try:
        person = person_find(identifier=number)
    except NotFound:
        return person_create(
            full_name=item.full_name,
            birth_date=item.birth_date,
            sex=item.sex,
            phone=item.phone,
            actor=actor,
            id_number=number if len(number) == 12 else "",
            old_id_number=number if len(number) != 12 else "",
        )
    if fold(person.full_name).split() != fold(item.full_name).split():
        raise Invalid(
            _("This ID number is registered under another name."), code="name_mismatch", field="full_name"
        )
    return person


def dose_item_record(*, item: DoseItem, actor, source: str = DoseSource.API) -> tuple[str, Dose]:
    """One dose from another system: ("stored" | "already_stored", dose), or a ServiceError."""
    site = Site.objects.filter(pk=item.site_id).first() if item.site_id else None
    if site is None:
        raise NotFound(_("No such vaccination site in your area."), code="site_not_found", field="site_id")
    _check_scope(actor=actor, commune_id=site.commune_id, what="site")
    key = scoped_uuid(sender=sender_of(actor), client_id=item.client_id) if item.client_id else None
    if key is not None:
        existing = Dose.objects.filter(client_id=key).first()
        if existing is not None:
            same = (
                existing.product == item.product
                and abs((existing.given_at - item.given_at).total_seconds()) < 1
            )
            if not same:
                raise Conflict(_("This client_id was used for another dose."), code="client_id_reused")
            return "already_stored", existing
    if item.given_at.tzinfo is None:
        item.given_at = aware(item.given_at)
    person = _person_for_item(item, actor=actor)
    outcome = dose_record(
        person=person,
        product=item.product,
        given_at=item.given_at,
        source=source,
        actor=actor,
        site=site,
        lot_number=item.lot_number,
        client_id=key,
        country=item.country,
    )
    return ("stored" if outcome.stored else "already_stored"), outcome.dose


def doses_record_batch(*, items: list[DoseItem], actor) -> dict:
    """Each item judged alone (a refused item never fails the batch); answered item by item."""
    out: list[dict] = []
    counts = {"stored": 0, "already_stored": 0, "rejected": 0}
    for item in items:
        row: dict[str, object] = {"client_id": str(item.client_id or "")}
        try:
            with transaction.atomic():
                outcome, dose = dose_item_record(item=item, actor=actor)
            row.update(outcome=outcome, dose_id=dose.pk, number=dose.number)
        except ServiceError as exc:
            outcome = "rejected"
            row.update(outcome=outcome, code=exc.code, detail=exc.message)
        counts[outcome] += 1
        out.append(row)
    return {**counts, "items": out}


# --- certificates (EU DCC format) ---------------------------------------------------------------------

CERTIFICATE_DAYS = 365  # QĐ 5772/QĐ-BYT (20/12/2021): a vaccine passport is valid for 12 months


def _uvci() -> str:
    """A unique certificate identifier (UVCI, eHealth Network guidelines, option 3: opaque): 120 random
    bits as 30 hexadecimal capitals (base32 was 7 times slower: pure Python in 3.11, docs/benchmarks.md)."""
    return "URN:UVCI:01:VN:" + secrets.token_hex(15).upper()


def certificate_entry(*, dose: Dose, uvci: str) -> dict:
    """The DCC `v` entry of a dose."""
    product = schedules.PRODUCTS[dose.product]
    return {
        "tg": schedules.TG_COVID19,
        "vp": product.vp,
        "mp": product.mp,
        "ma": product.ma,
        "dn": dose.number,
        "sd": max(dose.series_doses, dose.number),
        "dt": local(dose.given_at).date().isoformat(),
        "co": dose.country,
        "is": settings.EPIQR_CERTIFICATE_ISSUER,
        "ci": uvci,
    }


# DCC value sets (ehn-dcc-development/ehn-dcc-valuesets: test-type.json, test-result.json)
TEST_TYPES = {
    "pcr_single": "LP6464-4",  # Nucleic acid amplification with probe detection
    "pcr_pooled": "LP6464-4",
    "antigen": "LP217198-3",  # Rapid immunoassay
}
NOT_DETECTED = "260415000"
# Regulation (EU) 2021/953, art. 7(1) and Implementing Decision (EU) 2021/1073: a recovery certificate is
# valid from the 11th day after the first positive test (its end is the status policy's recovery_days).
RECOVERY_VALID_FROM_DAYS = 11


def test_certificate_entry(*, test: NegativeTest, uvci: str) -> dict:
    """The DCC `t` entry of a negative result."""
    return {
        "tg": schedules.TG_COVID19,
        "tt": TEST_TYPES.get(test.kind, TEST_TYPES["pcr_single"]),
        "sc": local(test.sampled_at).replace(microsecond=0).isoformat(),
        "tr": NOT_DETECTED,
        "tc": test.site_name[:80],
        "co": "VN",
        "is": settings.EPIQR_CERTIFICATE_ISSUER,
        "ci": uvci,
    }


def recovery_certificate_entry(*, recovery: Recovery, valid_until: date, uvci: str) -> dict:
    """The DCC `r` entry of a recovered case."""
    return {
        "tg": schedules.TG_COVID19,
        "fr": recovery.first_positive_on.isoformat(),
        "co": "VN",
        "is": settings.EPIQR_CERTIFICATE_ISSUER,
        "df": (recovery.first_positive_on + timedelta(days=RECOVERY_VALID_FROM_DAYS)).isoformat(),
        "du": valid_until.isoformat(),
        "ci": uvci,
    }


def _holder_dob(person) -> str:
    if person.birth_date is None and person.birth_year is None:
        raise Invalid(
            _("A certificate needs the date of birth: scan the person's chip ID card."), code="no_dob"
        )
    return person.birth_date.isoformat() if person.birth_date else f"{person.birth_year:04d}"


def _current_certificate(*, person, at: datetime, **what) -> Certificate | None:
    """The certificate already issued for the same record while valid and not revoked."""
    return (
        Certificate.objects.filter(person=person, revoked_at__isnull=True, expires_at__gt=at, **what)
        .order_by("-issued_at")
        .first()
    )


def _certificate_sign(
    *, person, kind: str, entry: dict, uvci: str, at: datetime, expires: datetime, actor, **record
) -> Certificate:
    """Sign the person's certificate with the active `dcc` key and keep it (audited)."""
    signer = keyring.signer("dcc")
    hcert = dcc.hcert_document(
        full_name=person.full_name, dob=_holder_dob(person), kind=kind, entries=[entry]
    )
    code = dcc.encode(
        hcert,
        private_key=signer.private_key,
        kid=signer.kid,
        issuer=keyring.get_purpose("dcc").country,
        issued_at=at,
        expires_at=expires,
    )
    certificate = Certificate.objects.create(
        uvci=uvci,
        person=person,
        kind=kind,
        issued_at=at,
        expires_at=expires,
        kid=keyring.b64(signer.kid),
        code=code,
        **record,
    )
    audit_record(actor=actor, action="vaccination.certificate_issue", target=certificate)
    return certificate


def certificate_issue(*, person, actor=None) -> Certificate:
    """The vaccination certificate of a person's latest dose: the one already issued for it while valid
    and not revoked, else a new one signed with the active `dcc` key. Invalid when there is no dose or no
    date of birth (a DCC needs one)."""
    dose = Dose.objects.filter(person=person).order_by("-given_at", "-id").first()
    if dose is None:
        raise Invalid(_("No dose is recorded for this person."), code="no_dose")
    at = now()
    current = _current_certificate(person=person, at=at, dose=dose)
    if current is not None:
        return current
    _holder_dob(person)
    uvci = _uvci()
    return _certificate_sign(
        person=person,
        kind="v",
        entry=certificate_entry(dose=dose, uvci=uvci),
        uvci=uvci,
        at=at,
        expires=at + timedelta(days=CERTIFICATE_DAYS),
        actor=actor,
        dose=dose,
    )


def test_certificate_issue(*, person, actor=None) -> Certificate:
    """The test certificate of the person's latest negative result (testing's selector), valid until the
    status policy's window after the swab ends (72 hours: NQ 128/NQ-CP). Invalid when there is no
    negative result still inside that window."""
    at = now()
    test = person_latest_negative_test(person_id=person.pk)
    hours = status.policy_for(local(at).date()).negative_test_hours
    if test is None or test.sampled_at + timedelta(hours=hours) <= at:
        raise Invalid(_("No negative test result from the last 72 hours."), code="no_test")
    source = f"testing.result:{test.member_id}"
    current = _current_certificate(person=person, at=at, kind="t", source=source)
    if current is not None:
        return current
    _holder_dob(person)
    uvci = _uvci()
    return _certificate_sign(
        person=person,
        kind="t",
        entry=test_certificate_entry(test=test, uvci=uvci),
        uvci=uvci,
        at=at,
        expires=test.sampled_at + timedelta(hours=hours),
        actor=actor,
        source=source,
    )


def recovery_certificate_issue(*, person, actor=None) -> Certificate:
    """The recovery certificate of the person's latest recovered case (cases' selector): valid from the
    11th day after the first positive test until the status policy's recovery period ends (180 days).
    Invalid outside that window or without a recovered case."""
    at = now()
    today = local(at).date()
    recovery = person_latest_recovery(person_id=person.pk)
    if recovery is None:
        raise Invalid(_("No recovery from COVID-19 is recorded for this person."), code="no_recovery")
    until = recovery.first_positive_on + timedelta(days=status.policy_for(today).recovery_days)
    if not (recovery.first_positive_on + timedelta(days=RECOVERY_VALID_FROM_DAYS) <= today < until):
        raise Invalid(
            _("A recovery certificate is valid from the 11th to the 180th day after the positive test."),
            code="recovery_window",
        )
    source = f"cases.case:{recovery.case_id}"
    current = _current_certificate(person=person, at=at, kind="r", source=source)
    if current is not None:
        return current
    _holder_dob(person)
    uvci = _uvci()
    expires = datetime.combine(until, time.min, tzinfo=local(at).tzinfo)
    return _certificate_sign(
        person=person,
        kind="r",
        entry=recovery_certificate_entry(recovery=recovery, valid_until=until, uvci=uvci),
        uvci=uvci,
        at=at,
        expires=expires,
        actor=actor,
        source=source,
    )


CERTIFICATE_ISSUERS = {"v": certificate_issue, "t": test_certificate_issue, "r": recovery_certificate_issue}


def certificate_revoke(*, certificate, reason: str, actor):
    """Revoke a certificate issued in error: published in the `dcc` revocation list (by digest)."""
    reason = (reason or "").strip()
    if not reason:
        raise Invalid(_("Give the reason for the revocation."), field="reason")
    with transaction.atomic():
        revocation_add(purpose="dcc", identifier=certificate.uvci, reason=reason, actor=actor)
        if certificate.revoked_at is None:
            certificate.revoked_at = now()
            certificate.revoked_reason = reason[:300]
            certificate.save(update_fields=["revoked_at", "revoked_reason"])
        events.emit(
            CERTIFICATE_REVOKED,
            certificate_id=certificate.pk,
            person_id=certificate.person_id,
            actor_id=getattr(actor, "pk", None),
        )
    return certificate


# --- door rules: a venue's station refuses a red health status ---------------------------------------


def door_rule_set(*, venue, refuse_red: bool, actor):
    """Turn a venue's refusal of a red status on or off (the caller checked the actor manages it)."""
    rule, _created = DoorRule.objects.update_or_create(
        venue=venue, defaults={"refuse_red": refuse_red, "set_by": actor, "set_at": now()}
    )
    audit_record(actor=actor, action="vaccination.door_rule", target=rule, detail={"refuse_red": refuse_red})
    door_rules_forget()
    return rule


# --- invitations and reminders (SMS through notify) --------------------------------------------------


def invitations_create(
    *,
    session: Session,
    actor,
    born_from: int,
    born_until: int,
    group: str = "",
    priority_group: str = "",
    first_slot: datetime,
    minutes_per_slot: int = 15,
    per_slot: int = 10,
    limit: int = 200,
) -> int:
    """Invite people of the site's commune born in [born_from, born_until] who are due a dose of the
    session's product on its day (never vaccinated, or their next dose allowed by then), `per_slot` to a
    slot; people already invited to the session are left out. With `priority_group` (a code of
    groups.py), only the people the registry knows in that group on the session's day (PriorityMember),
    labelled with it. Returns how many were invited."""
    _check_scope(actor=actor, commune_id=session.site.commune_id)
    if not (1900 <= born_from <= born_until <= 2100):
        raise Invalid(_("Give the birth years as a range, oldest first."), field="born_from")
    if not (1 <= per_slot <= 100 and 5 <= minutes_per_slot <= 240 and 1 <= limit <= 2000):
        raise Invalid(
            _("Slots: 1-100 people every 5-240 minutes, at most 2000 invitations."), field="per_slot"
        )
    if priority_group and groups.group_get(priority_group) is None:
        raise Invalid(_("Choose a priority group of the list."), field="priority_group", code="unknown_group")
    invited = set(Invitation.objects.filter(session=session).values_list("person_id", flat=True))
    people = Person.objects.filter(
        commune_id=session.site.commune_id, birth_year__gte=born_from, birth_year__lte=born_until
    )
    if priority_group:
        members = PriorityMember.objects.filter(group=priority_group, since__lte=session.day)
        people = people.filter(pk__in=members.values("person_id"))
        group = group or priority_group
    candidates = people.exclude(pk__in=invited).order_by("birth_year", "id").values_list("pk", flat=True)
    chosen: list[int] = []
    policy = schedules.policy_for(session.day)
    for person_id in candidates.iterator(chunk_size=2000):
        advice = schedules.next_dose(policy, session.product, prior_doses(person_id=person_id), session.day)
        if not advice.too_early:
            chosen.append(person_id)
        if len(chosen) >= limit:
            break
    rows = [
        Invitation(
            session=session,
            person_id=person_id,
            slot_at=first_slot + timedelta(minutes=minutes_per_slot * (i // per_slot)),
            group=(group or "").strip()[:100],
        )
        for i, person_id in enumerate(chosen)
    ]
    Invitation.objects.bulk_create(rows, ignore_conflicts=True)
    audit_record(actor=actor, action="vaccination.invitations", target=session, row_count=len(rows))
    return len(rows)


def invitations_send(*, session: Session, actor):
    """Text every invited person with a phone their slot (notify.notices_send: each invitation once ever,
    within the sender's daily cap)."""
    _check_scope(actor=actor, commune_id=session.site.commune_id)
    invitations = list(
        Invitation.objects.filter(session=session, sent_at__isnull=True)
        .select_related("person")
        .exclude(person__phone="")
    )
    notices = [
        Notice(
            channel="sms",
            recipient=inv.person.phone,
            template="vaccination_invitation",
            context={
                "name": inv.person.full_name,
                "product": session.get_product_display(),
                "time": f"{local(inv.slot_at):%H:%M}",
                "day": f"{session.day:%d/%m/%Y}",
                "site": session.site.name,
                "address": session.site.address,
            },
            key=f"vaccination.invitation:{inv.pk}",
            related=inv,
        )
        for inv in invitations
    ]
    report = notices_send(notices=notices, actor=actor)
    Invitation.objects.filter(pk__in=[inv.pk for inv in invitations]).update(sent_at=now())
    return report


def reminders_send(*, on: date | None = None) -> int:
    """Text people whose next dose became due (the schedule in force, the recommended day) and who have
    had no dose since: once per dose (the last dose's reminded_at). Run daily by the scheduler."""
    on = on or local(now()).date()
    sent = 0
    last_doses = (
        Dose.objects.filter(reminded_at__isnull=True, given_at__gte=now() - timedelta(days=400))
        .select_related("person")
        .order_by("person_id", "-given_at")
    )
    seen: set[int] = set()
    for dose in last_doses.iterator(chunk_size=2000):
        if dose.person_id in seen:
            continue
        seen.add(dose.person_id)
        if Dose.objects.filter(person_id=dose.person_id, given_at__gt=dose.given_at).exists():
            continue
        advice = schedules.next_dose(
            schedules.policy_for(on), dose.product, prior_doses(person_id=dose.person_id), on
        )
        if advice.recommended is None or advice.recommended > on or not dose.person.phone:
            continue
        _subject, body = message_render(
            template="vaccination_reminder",
            context={
                "name": dose.person.full_name,
                "number": advice.number,
                "day": f"{advice.recommended:%d/%m/%Y}",
            },
        )
        message_send(channel="sms", recipient=dose.person.phone, body=body, related=dose)
        Dose.objects.filter(pk=dose.pk).update(reminded_at=now())
        sent += 1
    return sent
