"""Writes to the person registry: create, update, find-or-create from a scanned card, personal QR."""

import re
import secrets
from dataclasses import dataclass
from datetime import date, timedelta

from django.db import IntegrityError, transaction
from django.db.models import F
from django.utils.translation import gettext as _
from django_tasks import task

from epiqr.accounts.models import User
from epiqr.accounts.selectors import user_in_jurisdiction
from epiqr.core.device import MAX_AGE
from epiqr.core.errors import Conflict, Invalid, NotFound
from epiqr.core.services import audit_record
from epiqr.core.text import fold, normalise_name
from epiqr.geo.models import Commune
from epiqr.notify.services import message_send_template

from .idnumber import id_number_check, id_number_read
from .models import (
    Device,
    DeviceLink,
    DeviceProof,
    DocumentKind,
    IdentityDocument,
    Person,
    ProofChallenge,
    ProofKind,
)
from .parsers import KIND_BHYT, KIND_EPIQR, KIND_NATIONAL, ParsedDocument, parse_payload
from .personal_qr import personal_qr_make
from .phones import PhoneError, normalise_phone


class _Unset:
    """Marks an argument of person_update that was not given (None means "clear it")."""


_UNSET = _Unset()
NAME_MAX = 120  # Person.full_name max_length
_UNSTORABLE = re.compile(r"[\x00\ud800-\udfff]")  # NUL and lone surrogates: no database stores them


@dataclass(frozen=True)
class ScanIdentity:
    """The person a scan names, whether they were just created, and what the payload said."""

    person: Person
    created: bool
    document: ParsedDocument


def person_create(
    *,
    full_name: str,
    birth_date: date | None = None,
    birth_year: int | None = None,
    sex: str = "",
    phone: str = "",
    email: str = "",
    address: str = "",
    commune=None,
    id_number: str = "",
    old_id_number: str = "",
    bhyt_number: str = "",
    actor: User | None = None,
) -> Person:
    """Register a person; the ID number must be valid, consistent with birth year and sex, and unused."""
    name = _name_clean(full_name)
    if birth_date is not None:
        birth_year = birth_date.year
    if sex not in ("", "M", "F"):
        raise Invalid(_("Sex must be M, F or empty."), field="sex")
    phone = normalise_phone(phone) if phone.strip() else ""
    documents = _documents(id_number=id_number, old_id_number=old_id_number, bhyt_number=bhyt_number)
    if id_number:
        id_number_check(id_number, birth_year=birth_year, sex=sex)
    person = Person(
        full_name=name,
        name_folded=fold(name),
        birth_date=birth_date,
        birth_year=birth_year,
        sex=sex,
        phone=phone,
        email=email.strip(),
        address=" ".join(address.split())[:255],
        commune=commune,
    )
    with transaction.atomic():
        person.save()
        _attach(person, documents)
    if actor is not None:
        audit_record(actor=actor, action="people.create", target=person)
    return person


def person_update(
    *,
    person: Person,
    actor: User | None = None,
    full_name: str | None = None,
    birth_date: date | None | _Unset = _UNSET,
    birth_year: int | None | _Unset = _UNSET,
    sex: str | None = None,
    phone: str | None = None,
    email: str | None = None,
    address: str | None = None,
    commune: Commune | None | _Unset = _UNSET,
    id_number: str | None = None,
) -> Person:
    """Change the given fields (others stay); a new ID number is validated and must be unused."""
    if full_name is not None:
        name = _name_clean(full_name)
        person.full_name, person.name_folded = name, fold(name)
    if not isinstance(birth_date, _Unset):
        person.birth_date = birth_date
        if birth_date is not None:
            person.birth_year = birth_date.year
    if not isinstance(birth_year, _Unset) and (isinstance(birth_date, _Unset) or birth_date is None):
        person.birth_year = birth_year
    if sex is not None:
        if sex not in ("", "M", "F"):
            raise Invalid(_("Sex must be M, F or empty."), field="sex")
        person.sex = sex
    if phone is not None:
        person.phone = normalise_phone(phone) if phone.strip() else ""
    if email is not None:
        person.email = email.strip()
    if address is not None:
        person.address = " ".join(address.split())[:255]
    if not isinstance(commune, _Unset):
        person.commune = commune
    with transaction.atomic():
        if id_number:
            id_number_check(id_number, birth_year=person.birth_year, sex=person.sex)
            current = person.documents.filter(kind=DocumentKind.CCCD).first()
            if current is None or current.number != id_number:
                if current is not None:
                    current.delete()
                _attach(person, [(DocumentKind.CCCD, id_number, None)])
        person.save()
    if actor is not None:
        audit_record(actor=actor, action="people.update", target=person)
    return person


def person_from_scan(
    *,
    payload: str,
    actor: User | None = None,
    create: bool = True,
    commune=None,
    within: User | None = None,
    doc: ParsedDocument | None = None,
) -> ScanIdentity:
    """The person a scanned payload names: found by identity document (or EpiQR id), else created.

    ParseError (422) for an unreadable payload; NotFound when `create` is False and nobody matches, or for
    an EpiQR code of an unknown person; Invalid("qr_revoked") for a personal QR replaced by a newer one.
    Details missing on a found person (date of birth, sex, address) are filled from the card.
    `within` (a staff user): the person must be in their jurisdiction, checked before anything about the
    person changes; outside it the answer is the NotFound of people.selectors.person_get_visible.
    `doc`: the payload already parsed by the caller (parse_payload), so a scan is parsed once.
    """
    if doc is None:
        doc = parse_payload(payload)
    if doc.kind == KIND_EPIQR:
        person = Person.objects.filter(public_id=doc.person_public_id).first()
        if person is None:
            raise NotFound(_("This personal QR names nobody registered here."), code="unknown_person")
        if doc.qr_generation != person.qr_generation:
            raise Invalid(
                _("This personal QR was replaced by a newer one; ask for the current code."),
                code="qr_revoked",
            )
        _check_within(person, within)
        return ScanIdentity(person, False, doc)
    keys = _document_keys(doc)
    for attempt in range(2):
        person = _find_by_keys(keys, doc)
        if person is not None:
            _check_within(person, within)
            _fill_blanks(person, doc, keys)
            return ScanIdentity(person, False, doc)
        if not create:
            raise NotFound(_("Nobody with this card is registered yet."), code="unknown_person")
        try:
            with transaction.atomic():
                person = _create_from_doc(doc, keys, commune=commune)
        except IntegrityError:
            if attempt:
                raise
            continue  # another station registered the same card a moment ago: find it
        if actor is not None:
            audit_record(
                actor=actor, action="people.create_from_scan", target=person, detail={"kind": doc.kind}
            )
        return ScanIdentity(person, True, doc)
    raise AssertionError("unreachable")


def person_find(*, identifier: str, within: User | None = None) -> Person:
    """A person from what a scan station operator types: ID number, CMND, BHYT number, phone, or a payload.
    A typed payload fills the person's blanks as a scan does, after the `within` check (person_from_scan)."""
    text = (identifier or "").strip()
    if not text:
        raise Invalid(_("Enter an ID number or a phone number."), code="empty", field="identifier")
    if "|" in text or text.startswith("EPIQR1:"):
        return person_from_scan(payload=text, create=False, within=within).person
    compact = text.replace(" ", "").replace(".", "").replace("-", "").upper()
    if compact.isascii() and compact.isdigit() and len(compact) == 12:
        id_number_read(compact)
        return _one_by_document(DocumentKind.CCCD, compact)
    if compact.isascii() and compact.isdigit() and len(compact) == 9:
        return _one_by_document(DocumentKind.CMND, compact)
    if len(compact) == 15 and compact[:2].isalpha() and compact[2:].isdigit():
        return _one_by_document(DocumentKind.BHYT, compact[5:])
    try:
        phone = normalise_phone(text)
    except PhoneError:
        phone = ""
    if phone:
        people = list(Person.objects.filter(phone=phone)[:2])
        if len(people) == 1:
            return people[0]
        if len(people) > 1:
            raise Invalid(
                _("Several people share this phone number; scan or type their ID number instead."),
                code="ambiguous",
                field="identifier",
            )
    if compact.isdigit() and len(compact) == 10:
        found = IdentityDocument.objects.filter(kind=DocumentKind.BHYT, number=compact).select_related(
            "person"
        )
        if found:
            return found[0].person
    if phone:
        raise NotFound(_("Nobody is registered with this phone number."), code="unknown_person")
    raise Invalid(
        _("Enter a 12-digit ID number, a 9-digit CMND, a BHYT card number or a phone number."),
        code="bad_identifier",
        field="identifier",
    )


def person_qr_rotate(*, person: Person, actor: User | None) -> Person:
    """Issue a new personal QR: every copy of the previous one stops working, and every phone that had
    proved to be this person must prove it again (the reasons are the same: a lost card, a stolen phone)."""
    Person.objects.filter(pk=person.pk).update(qr_generation=F("qr_generation") + 1)
    person.refresh_from_db(fields=["qr_generation", "updated_at"])
    audit_record(
        actor=actor, action="people.qr_rotate", target=person, detail={"generation": person.qr_generation}
    )
    proofs_revoke(person=person, actor=actor, reason="personal QR replaced")
    return person


def person_personal_qr(*, person: Person) -> str:
    """The EPIQR1 payload a person shows or prints (no ID number in it)."""
    return personal_qr_make(
        public_id=person.public_id,
        generation=person.qr_generation,
        full_name=person.full_name,
        birth_year=person.birth_year,
    )


# ---------------------------------------------------------------------------------------------------


def _documents(*, id_number: str, old_id_number: str, bhyt_number: str) -> list[tuple[str, str, date | None]]:
    docs: list[tuple[str, str, date | None]] = []
    if id_number:
        docs.append((DocumentKind.CCCD, id_number, None))
    if old_id_number:
        if not (old_id_number.isascii() and old_id_number.isdigit() and len(old_id_number) == 9):
            raise Invalid(_("The old ID number (CMND) must have 9 digits."), field="old_id_number")
        docs.append((DocumentKind.CMND, old_id_number, None))
    if bhyt_number:
        code = bhyt_number.replace(" ", "").upper()
        if len(code) == 15 and code[:2].isalpha() and code[2:].isdigit():
            code = code[5:]
        if not (code.isascii() and code.isdigit() and len(code) == 10):
            raise Invalid(_("A BHYT number has 15 characters or 10 digits."), field="bhyt_number")
        docs.append((DocumentKind.BHYT, code, None))
    return docs


def _attach(person: Person, documents: list[tuple[str, str, date | None]]) -> None:
    for kind, number, issued_on in documents:
        taken = IdentityDocument.objects.filter(kind=kind, number=number).exclude(person=person).exists()
        if taken:
            raise Conflict(
                _("%(document)s %(number)s already belongs to another person.")
                % {"document": DocumentKind(kind).label, "number": number},
                code="duplicate_document",
                field="id_number" if kind == DocumentKind.CCCD else None,
            )
        IdentityDocument.objects.get_or_create(
            person=person, kind=kind, number=number, defaults={"issued_on": issued_on}
        )


def _document_keys(doc: ParsedDocument) -> list[tuple[str, str, date | None]]:
    """(kind, number, issued_on) of every identity document the payload proves, strongest first."""
    keys: list[tuple[str, str, date | None]] = []
    if doc.id_number and not doc.id_masked:
        keys.append((DocumentKind.CCCD, doc.id_number, doc.issued_on if doc.kind == "cccd" else None))
    if doc.old_id_number:
        keys.append((DocumentKind.CMND, doc.old_id_number, None))
    if doc.kind == KIND_BHYT and doc.social_insurance_number:
        keys.append((DocumentKind.BHYT, doc.social_insurance_number, doc.issued_on))
    if doc.kind == KIND_NATIONAL and doc.id_masked and doc.qid:
        keys.append((DocumentKind.NATIONAL_QR, doc.qid, None))
    return keys


def _find_by_keys(keys, doc: ParsedDocument) -> Person | None:
    for kind, number, _issued in keys:
        found = IdentityDocument.objects.filter(kind=kind, number=number).select_related("person").first()
        if found is not None:
            return found.person
    if doc.kind == KIND_NATIONAL and doc.id_masked:
        # Masked ID: the visible last 6 digits, the name and the birth year together name one person.
        suffix = doc.id_number[-6:]
        candidates = list(
            Person.objects.filter(
                documents__kind=DocumentKind.CCCD,
                documents__number__endswith=suffix,
                name_folded=fold(doc.full_name),
                birth_year=doc.birth_year,
            ).distinct()[:2]
        )
        if len(candidates) == 1:
            return candidates[0]
        if doc.phone:  # no QID either: the same name, birth year and phone
            same = list(
                Person.objects.filter(
                    phone=doc.phone, name_folded=fold(doc.full_name), birth_year=doc.birth_year
                )[:2]
            )
            if len(same) == 1:
                return same[0]
    return None


def _create_from_doc(doc: ParsedDocument, keys, *, commune) -> Person:
    name = normalise_name(doc.full_name)
    person = Person.objects.create(
        full_name=name,
        name_folded=fold(name),
        birth_date=doc.birth_date,
        birth_year=doc.birth_year,
        sex=doc.sex,
        phone=doc.phone,
        address=doc.address[:255],
        commune=commune,
    )
    for kind, number, issued_on in keys:
        IdentityDocument.objects.create(person=person, kind=kind, number=number, issued_on=issued_on)
    return person


def _fill_blanks(person: Person, doc: ParsedDocument, keys) -> None:
    changed = []
    for field in ("birth_date", "birth_year", "sex", "address", "phone"):
        value = getattr(doc, field)
        if value and not getattr(person, field):
            setattr(person, field, value[:255] if isinstance(value, str) else value)
            changed.append(field)
    if changed:
        person.save(update_fields=[*changed, "updated_at"])
    known = set(person.documents.values_list("kind", "number"))
    for kind, number, issued_on in keys:
        if (kind, number) not in known and not IdentityDocument.objects.filter(
            kind=kind, number=number
        ).exists():
            IdentityDocument.objects.create(person=person, kind=kind, number=number, issued_on=issued_on)


def _name_clean(full_name: str) -> str:
    """A name as stored; Invalid when empty or longer than the column, as typed or folded."""
    name = normalise_name(full_name)
    if not name:
        raise Invalid(_("Enter the person's full name."), field="full_name")
    if len(name) > NAME_MAX or len(fold(name)) > NAME_MAX or _UNSTORABLE.search(name):
        raise Invalid(_("The name is too long."), field="full_name")
    return name


def _check_within(person: Person, user) -> None:
    if user is not None and not user_in_jurisdiction(user=user, commune_id=person.commune_id):
        raise NotFound(_("This person is not registered in your jurisdiction."), code="not_found")


def _one_by_document(kind: str, number: str) -> Person:
    found = IdentityDocument.objects.filter(kind=kind, number=number).select_related("person").first()
    if found is None:
        raise NotFound(_("Nobody with this number is registered yet."), code="unknown_person")
    return found.person


# --- citizens' phones: devices, links and proofs ----------------------------------------------------
#
# A phone gets what it recorded itself (its own check-ins, under the names it typed) and what its holder
# proved: a one-time code to the phone ON RECORD (never a phone typed now), a chip ID card checked by
# staff, or a result slip's second factor (that result only). Typing someone's ID number, name, phone
# or birth year proves nothing. The threat model and the limits are in docs/security.md.

PROOF_MINUTES = 10  # how long a code (SMS or shown for a card scan) can be used
OTP_DIGITS = 6
OTP_ATTEMPTS = 5  # wrong codes per challenge, then a new code is needed
OTP_PER_RECIPIENT_HOUR = 3  # codes sent to one phone (or asked for one unmatched identifier)
OTP_PER_RECIPIENT_DAY = 6
STARTS_PER_DEVICE_HOUR = 5  # proofs started from one phone
STARTS_PER_IP_HOUR = 30  # from one network (mobile carriers put many phones behind one address)
MAX_PEOPLE_PER_PHONE = 10  # a phone on record for more people than this (an officer's) proves none of them
MAX_LINKS = 10  # people one phone checks in
SLIP_PROOF_DAYS = 30
CARD_ALPHABET = "23456789ABCDEFGHJKLMNPQRSTUVWXYZ"  # no 0/O, 1/I: read aloud or typed from a screen
CARD_CODE_LENGTH = 8


class TooManyAttempts(Invalid):
    status = 429
    code = "rate_limited"


def proof_days() -> int:
    from django.conf import settings

    return int(getattr(settings, "EPIQR_PROOF_DAYS", 90))


def _keyed(purpose: str, value: str) -> str:
    """A keyed hash (SECRET_KEY): a copy of the table does not reveal codes or addresses."""
    from django.utils.crypto import salted_hmac

    return salted_hmac(f"epiqr.people.{purpose}", value, algorithm="sha256").hexdigest()


def device_key_hash(key: str) -> str:
    return _keyed("device", key)


def device_create(*, key: str):
    """Register a phone by the key its new cookie carries."""
    return Device.objects.create(key_hash=device_key_hash(key))


def device_touch(*, device: Device) -> None:
    """Note that the phone was seen (at most once a day: idle phones are purged after the cookie's life)."""
    from django.utils import timezone

    current = timezone.now()
    if current - device.last_seen_at > timedelta(days=1):
        Device.objects.filter(pk=device.pk).update(last_seen_at=current)
        device.last_seen_at = current


def device_forget(*, device: Device) -> None:
    """The phone forgets everyone: links, proofs and codes in progress. Check-ins stay (tracing needs them)."""
    device.delete()


def device_link(
    *,
    device: Device,
    person: Person,
    label: str,
    phone: str = "",
    birth_year: int | None = None,
    commune=None,
):
    """Remember that this phone checks `person` in, under the name it typed (updated if typed again)."""
    label = normalise_name(label)[:NAME_MAX] or _("Person %(n)s") % {"n": person.pk}
    link = DeviceLink.objects.filter(device=device, person=person).first()
    if link is None:
        if DeviceLink.objects.filter(device=device).count() >= MAX_LINKS:
            raise Invalid(
                _("This phone already checks in %(n)s people. Make it forget them (My check-ins) first.")
                % {"n": MAX_LINKS},
                code="too_many_people",
            )
        try:
            with transaction.atomic():
                return DeviceLink.objects.create(
                    device=device,
                    person=person,
                    label=label,
                    phone=phone,
                    birth_year=birth_year,
                    commune=commune,
                )
        except IntegrityError:  # the same form sent twice at once
            link = DeviceLink.objects.get(device=device, person=person)
    link.label, link.phone, link.birth_year, link.commune = label, phone, birth_year, commune
    link.save(update_fields=["label", "phone", "birth_year", "commune"])
    return link


def device_link_forget(*, device: Device, link_id: int) -> int | None:
    """The phone forgets one person: its link and every proof it holds for them. Returns the person's id
    (the caller's domain drops the phone's own visits of them), None when the link is not this phone's."""
    link = DeviceLink.objects.filter(device=device, pk=link_id).first()
    if link is None:
        return None
    DeviceProof.objects.filter(device=device, person_id=link.person_id).delete()
    link.delete()
    return link.person_id


def proof_grant(
    *,
    device: Device,
    person: Person,
    kind: str,
    object_type: str = "",
    object_id: str = "",
    actor: User | None = None,
    days: int | None = None,
):
    """Record what the device's holder proved: the whole person, or one object of theirs."""
    from django.utils import timezone

    expires = timezone.now() + timedelta(days=days if days is not None else proof_days())
    proof, _created = DeviceProof.objects.update_or_create(
        device=device,
        person=person,
        object_type=object_type,
        object_id=str(object_id),
        defaults={"kind": kind, "expires_at": expires, "granted_by": actor},
    )
    if not object_type:
        DeviceLink.objects.get_or_create(device=device, person=person, defaults={"label": person.full_name})
    return proof


def proofs_revoke(*, person: Person, actor: User | None = None, reason: str = "") -> int:
    """Every phone loses what it proved about this person (stolen phone, card taken back)."""
    count = DeviceProof.objects.filter(person=person).delete()[0]
    if actor is not None:
        audit_record(
            actor=actor, action="people.device_proofs_revoke", target=person, reason=reason, row_count=count
        )
    return count


def _rate_checks(*, device, ip_hash: str) -> None:
    """The asker's limits: these may be said plainly, they tell nothing about anyone's registration."""
    from django.utils import timezone

    hour_ago = timezone.now() - timedelta(hours=1)
    recent = ProofChallenge.objects.filter(created_at__gte=hour_ago)
    if recent.filter(device=device).count() >= STARTS_PER_DEVICE_HOUR or (
        recent.filter(ip_hash=ip_hash).count() >= STARTS_PER_IP_HOUR
    ):
        raise TooManyAttempts(
            _(
                "Too many codes were asked from this phone or network. Try again in an hour, or call %(hotline)s."
            )
            % {"hotline": _hotline()},
        )


def _hotline() -> str:
    from django.conf import settings

    return settings.EPIQR_HOTLINE


def _otp_target(*, device, identifier: str, link_id: int | None) -> tuple[Person | None, str, str]:
    """(person, phone, rate key) of the proof asked for: the person of one of this phone's own links, the
    holder of an ID number, or everyone with a phone number on record. One query in every case, found or
    not, so the answer's timing does not tell whether anyone matched."""
    if link_id is not None:
        link = DeviceLink.objects.filter(device=device, pk=link_id).select_related("person").first()
        person = link.person if link else None
        return person, "", _recipient_key(person, f"link:{device.pk}:{link_id}")
    text = (identifier or "").strip()
    compact = "".join(c for c in text if c not in " .-")
    if compact.isascii() and compact.isdigit() and len(compact) in (9, 12):
        kind = DocumentKind.CCCD if len(compact) == 12 else DocumentKind.CMND
        doc = IdentityDocument.objects.filter(kind=kind, number=compact).select_related("person").first()
        person = doc.person if doc else None
        return person, "", _recipient_key(person, f"id:{compact}")
    try:
        phone = normalise_phone(text)
    except PhoneError as exc:
        raise Invalid(
            _("Enter a 12-digit ID number (or 9-digit CMND) or a phone number."),
            code="bad_identifier",
            field="identifier",
        ) from exc
    holders = len(Person.objects.filter(phone=phone).values_list("pk", flat=True)[: MAX_PEOPLE_PER_PHONE + 1])
    matched = 0 < holders <= MAX_PEOPLE_PER_PHONE
    return None, phone if matched else "", _keyed("rate", f"sms:{phone}")


def _recipient_key(person: Person | None, unmatched: str) -> str:
    """Limits count per receiving phone (however the person was named), else per person or identifier."""
    if person is not None and person.phone:
        return _keyed("rate", f"sms:{person.phone}")
    return _keyed("rate", f"person:{person.pk}" if person is not None else unmatched)


def proof_otp_start(*, device: Device, ip: str, identifier: str = "", link_id: int | None = None):
    """Start a proof by one-time code; the code goes by SMS to the phone on record, if there is one.

    The answer is the same whether or not the identifier matched anyone, and whether or not the person's
    limit of codes was reached (then nothing is sent): only the asker's own limits are told.
    """
    from django.utils import timezone

    ip_hash = _keyed("ip", ip or "-")
    person, phone, rate_key = _otp_target(device=device, identifier=identifier, link_id=link_id)
    _rate_checks(device=device, ip_hash=ip_hash)
    current = timezone.now()
    over = _recipient_over(rate_key=rate_key, current=current)
    challenge = ProofChallenge.objects.create(
        device=device,
        kind=ProofKind.OTP,
        person=None if over else person,
        phone="" if over else phone,
        nonce=secrets.token_hex(16),
        rate_key=rate_key,
        ip_hash=ip_hash,
        expires_at=current + timedelta(minutes=PROOF_MINUTES),
    )
    # Sent by a task in both cases: with the database task backend the request does the same work
    # whether a code goes out or not (the SMS gateway's time is not in the answer's timing).
    proof_code_send.enqueue(challenge_id=challenge.pk)
    return challenge


def _recipient_over(*, rate_key: str, current) -> bool:
    """The receiving phone (or the unmatched identifier) had its codes for the hour or the day."""
    sent = ProofChallenge.objects.filter(
        rate_key=rate_key, created_at__gte=current - timedelta(days=1)
    ).values_list("created_at", flat=True)
    sent = list(sent[: OTP_PER_RECIPIENT_DAY + 1])
    return len(sent) >= OTP_PER_RECIPIENT_DAY or (
        sum(1 for at in sent if at >= current - timedelta(hours=1)) >= OTP_PER_RECIPIENT_HOUR
    )


def phone_otp_start(*, device: Device, ip: str, phone: str) -> ProofChallenge:
    """Start proving a phone NUMBER (not a person): a code by SMS to the number typed, for a form that
    needs to know the asker holds that phone (the hotline's web form). Proving it grants nothing about
    anyone registered with the number. Same store, codes and limits as the person proof, and the same
    per-receiving-phone budget (keyed by the number), so the two flows together cannot send one phone
    more codes; over that budget nothing is sent, silently, as for the person proof."""
    from django.utils import timezone

    phone = normalise_phone(phone)
    ip_hash = _keyed("ip", ip or "-")
    _rate_checks(device=device, ip_hash=ip_hash)
    current = timezone.now()
    rate_key = _keyed("rate", f"sms:{phone}")
    over = _recipient_over(rate_key=rate_key, current=current)
    challenge = ProofChallenge.objects.create(
        device=device,
        kind=ProofKind.PHONE,
        phone="" if over else phone,
        nonce=secrets.token_hex(16),
        rate_key=rate_key,
        ip_hash=ip_hash,
        expires_at=current + timedelta(minutes=PROOF_MINUTES),
    )
    proof_code_send.enqueue(challenge_id=challenge.pk)
    return challenge


def phone_otp_verify(*, device: Device, code: str) -> str:
    """The code typed on the phone that asked for it: right -> the phone number it proves."""
    challenge = _otp_check(device=device, kind=ProofKind.PHONE, code=code)
    return challenge.phone


def proof_otp_deliver(*, challenge_id: int) -> bool:
    """Make the challenge's code, store its hash and send it by SMS; False when there is nobody to send to."""
    from django.utils import translation

    challenge = (
        ProofChallenge.objects.filter(pk=challenge_id, used_at__isnull=True).select_related("person").first()
    )
    if challenge is None:
        return False
    recipient = challenge.person.phone if challenge.person is not None else challenge.phone
    if not recipient:
        return False
    code = "".join(secrets.choice("0123456789") for _i in range(OTP_DIGITS))
    ProofChallenge.objects.filter(pk=challenge.pk).update(
        code_hash=_keyed("otp", f"{challenge.nonce}:{code}")
    )
    with translation.override("vi"):
        message_send_template(
            channel="sms",
            recipient=recipient,
            template="phone_code" if challenge.kind == ProofKind.PHONE else "proof_code",
            context={"code": code, "minutes": PROOF_MINUTES, "hotline": _hotline()},
            related=challenge,
            secret=code,
        )
    return True


@task()
def proof_code_send(challenge_id: int) -> bool:
    """The worker's side of proof_otp_start: make and send the code (nothing when it matched nobody)."""
    return proof_otp_deliver(challenge_id=challenge_id)


def proof_otp_verify(*, device: Device, code: str) -> list[Person]:
    """The code typed on the phone that asked for it: right -> the proof is granted for the people it was
    sent for. Every try counts before the comparison, so parallel guesses cannot exceed OTP_ATTEMPTS."""
    challenge = _otp_check(device=device, kind=ProofKind.OTP, code=code)
    if challenge.person_id is not None:
        people = [challenge.person]
    else:
        people = list(Person.objects.filter(phone=challenge.phone).order_by("pk")[:MAX_PEOPLE_PER_PHONE])
    for person in people:
        proof_grant(device=device, person=person, kind=ProofKind.OTP)
    return people


def _otp_check(*, device: Device, kind: str, code: str) -> ProofChallenge:
    """The device's latest open challenge of this kind, used up by the right code; Invalid otherwise.
    Every try counts before the comparison, so parallel guesses cannot exceed OTP_ATTEMPTS."""
    from django.utils import timezone
    from django.utils.crypto import constant_time_compare

    current = timezone.now()
    wrong = Invalid(
        _("This code is wrong or has expired. Check the last SMS, or ask for a new code."),
        code="bad_code",
        field="code",
    )
    digits = "".join(c for c in (code or "") if c.isascii() and c.isdigit())
    challenge = (
        ProofChallenge.objects.filter(device=device, kind=kind, used_at__isnull=True, expires_at__gt=current)
        .order_by("-created_at")
        .first()
    )
    if challenge is None:
        raise wrong
    counted = ProofChallenge.objects.filter(pk=challenge.pk, attempts__lt=OTP_ATTEMPTS).update(
        attempts=F("attempts") + 1
    )
    if not counted:
        raise Invalid(_("Too many wrong codes. Ask for a new code."), code="too_many_attempts", field="code")
    challenge.refresh_from_db(fields=["code_hash"])
    if (
        len(digits) != OTP_DIGITS
        or not challenge.code_hash
        or not constant_time_compare(challenge.code_hash, _keyed("otp", f"{challenge.nonce}:{digits}"))
    ):
        raise wrong
    if not ProofChallenge.objects.filter(pk=challenge.pk, used_at__isnull=True).update(used_at=current):
        raise wrong  # the same code sent twice at once: the first one used it
    return challenge


def proof_card_code(challenge) -> str:
    """The code a phone shows for a card proof, made from the challenge's nonce with the server key (the
    table stores only its keyed hash, for the staff lookup)."""
    from django.utils.crypto import salted_hmac

    digest = salted_hmac("epiqr.people.card", challenge.nonce, algorithm="sha256").digest()
    return "".join(CARD_ALPHABET[b % len(CARD_ALPHABET)] for b in digest[:CARD_CODE_LENGTH])


def card_code_clean(text: str) -> str:
    """What staff type or scan from the phone's screen, as the code: case, spaces, dashes and the
    EPIQRDEV1: prefix of the shown QR ignored."""
    value = (text or "").strip().upper()
    if value.startswith("EPIQRDEV1:"):
        value = value[len("EPIQRDEV1:") :]
    return "".join(c for c in value if c.isalnum())[:32]


def proof_card_start(*, device: Device, ip: str):
    """The phone's open card challenge, or a new one: the phone shows its code for a staff card scan."""
    from django.utils import timezone

    current = timezone.now()
    open_one = (
        ProofChallenge.objects.filter(
            device=device,
            kind=ProofKind.CARD,
            used_at__isnull=True,
            expires_at__gt=current + timedelta(minutes=2),
        )
        .order_by("-created_at")
        .first()
    )
    if open_one is not None:
        return open_one
    ip_hash = _keyed("ip", ip or "-")
    _rate_checks(device=device, ip_hash=ip_hash)
    challenge = ProofChallenge(
        device=device,
        kind=ProofKind.CARD,
        nonce=secrets.token_hex(16),
        rate_key=_keyed("rate", f"card:{device.pk}"),
        ip_hash=ip_hash,
        expires_at=current + timedelta(minutes=PROOF_MINUTES),
    )
    challenge.code_hash = _keyed("card", proof_card_code(challenge))
    challenge.save()
    return challenge


def proof_card_confirm(*, code: str, payload: str, actor: User | None) -> Person:
    """Staff scanned the citizen's chip ID card (and looked at its photo) and the code on the citizen's
    phone: that phone may now see the card holder's records. Audited."""
    from django.utils import timezone

    current = timezone.now()
    code = card_code_clean(code)
    challenge = (
        ProofChallenge.objects.filter(
            kind=ProofKind.CARD, code_hash=_keyed("card", code), used_at__isnull=True, expires_at__gt=current
        ).first()
        if len(code) == CARD_CODE_LENGTH
        else None
    )
    if challenge is None:
        raise NotFound(
            _("This phone code is unknown or has expired: ask the citizen to open the page again."),
            code="unknown_code",
            field="code",
        )
    doc = parse_payload(payload or "")
    if doc.kind != "cccd":
        raise Invalid(
            _("Scan the chip ID card (CCCD) itself: other codes carry no photo to check."),
            code="not_a_card",
            field="payload",
        )
    person = person_from_scan(
        payload=payload, actor=actor, create=True, commune=getattr(actor, "commune", None)
    ).person
    if not ProofChallenge.objects.filter(pk=challenge.pk, used_at__isnull=True).update(
        used_at=current, person=person
    ):
        raise NotFound(_("This phone code was used a moment ago."), code="unknown_code", field="code")
    proof_grant(device=challenge.device, person=person, kind=ProofKind.CARD, actor=actor)
    audit_record(
        actor=actor, action="people.device_proof_card", target=person, detail={"device": challenge.device_id}
    )
    return person


def devices_purge() -> dict:
    """Daily: codes older than a day, expired proofs, and phones idle for longer than their cookie lives."""
    from django.utils import timezone

    current = timezone.now()
    return {
        "challenges": ProofChallenge.objects.filter(created_at__lt=current - timedelta(days=1)).delete()[0],
        "proofs": DeviceProof.objects.filter(expires_at__lt=current).delete()[0],
        "devices": Device.objects.filter(last_seen_at__lt=current - timedelta(seconds=MAX_AGE)).delete()[0],
    }
