"""Writes to the person registry: create, update, find-or-create from a scanned card, personal QR."""

import re
from dataclasses import dataclass
from datetime import date

from django.db import IntegrityError, transaction
from django.db.models import F
from django.utils.translation import gettext as _

from epiqr.core.errors import Conflict, Invalid, NotFound
from epiqr.core.services import audit_record
from epiqr.core.text import fold, normalise_name
from epiqr.geo.models import Commune

from .idnumber import id_number_check, id_number_read
from .models import DocumentKind, IdentityDocument, Person
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
    actor=None,
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
    actor=None,
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
    *, payload: str, actor=None, create: bool = True, commune=None, within=None
) -> ScanIdentity:
    """The person a scanned payload names: found by identity document (or EpiQR id), else created.

    ParseError (422) for an unreadable payload; NotFound when `create` is False and nobody matches, or for
    an EpiQR code of an unknown person; Invalid("qr_revoked") for a personal QR replaced by a newer one.
    Details missing on a found person (date of birth, sex, address) are filled from the card.
    `within` (a staff user): the person must be in their jurisdiction, checked before anything about the
    person changes; outside it the answer is the NotFound of people.selectors.person_get_visible.
    """
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


def person_find(*, identifier: str, within=None) -> Person:
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


def person_qr_rotate(*, person: Person, actor) -> Person:
    """Issue a new personal QR: every copy of the previous one stops working."""
    Person.objects.filter(pk=person.pk).update(qr_generation=F("qr_generation") + 1)
    person.refresh_from_db(fields=["qr_generation", "updated_at"])
    audit_record(
        actor=actor, action="people.qr_rotate", target=person, detail={"generation": person.qr_generation}
    )
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
    from epiqr.accounts.selectors import user_in_jurisdiction

    if user is not None and not user_in_jurisdiction(user=user, commune_id=person.commune_id):
        raise NotFound(_("This person is not registered in your jurisdiction."), code="not_found")


def _one_by_document(kind: str, number: str) -> Person:
    found = IdentityDocument.objects.filter(kind=kind, number=number).select_related("person").first()
    if found is None:
        raise NotFound(_("Nobody with this number is registered yet."), code="unknown_person")
    return found.person
