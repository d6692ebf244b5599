"""Reads of the person registry, always narrowed to what the user may see."""

import functools
import uuid
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass

import numpy as np
from django.db import connection, models, transaction
from django.db.models import Q, QuerySet
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from epiqr.accounts.models import User
from epiqr.accounts.selectors import commune_filter, jurisdiction_filter, user_in_jurisdiction
from epiqr.core.errors import Forbidden, Invalid, NotFound
from epiqr.core.lists import Filter, FilterKind, ListSpec, Sort
from epiqr.core.pgsql import array_literal, int_array_literal
from epiqr.core.rows import loaded
from epiqr.core.text import fold, normalise_name
from epiqr.geo.models import Commune

from .models import (
    Device,
    DeviceLink,
    DeviceProof,
    DocumentKind,
    IdentityDocument,
    Person,
    ProofChallenge,
    Sex,
)
from .parsers import KIND_EPIQR
from .phones import PhoneError, normalise_phone
from .services import _document_keys, device_key_hash


def person_list_visible_to(*, user: User, query: str = "") -> QuerySet[Person]:
    """People in the user's jurisdiction matching a name (with or without diacritics), phone or ID number."""
    qs = jurisdiction_filter(Person.objects.select_related("commune"), user=user, commune_path="commune")
    return person_search(qs, query=query)


def person_search(qs: QuerySet[Person], *, query: str) -> QuerySet[Person]:
    text = (query or "").strip()
    if not text:
        return qs
    compact = "".join(c for c in text if c not in " .-")
    if compact.isdigit() and len(compact) in (9, 12):
        return qs.filter(documents__number=compact).distinct()
    if len(compact) == 15 and compact[:2].isalpha() and compact[2:].isdigit():
        return qs.filter(documents__number=compact[5:].upper()).distinct()
    if compact.lstrip("+").isdigit():
        try:
            phone = normalise_phone(text)
        except PhoneError:
            return qs.filter(phone__contains=compact) if len(compact) >= 4 else qs.none()
        return qs.filter(Q(phone=phone) | Q(documents__number=compact)).distinct()
    for word in fold(text).split():
        qs = qs.filter(name_folded__contains=word)
    return qs


# The people list (/people/ and GET /api/v1/people). Both sorts are served by indexes on the person
# table (Person.Meta.indexes), so a page of the people of a province is read in order, not sorted.
PEOPLE = ListSpec(
    name="people",
    filters=(
        Filter(
            "q",
            gettext_lazy("Name, phone or ID number"),
            kind=FilterKind.TEXT,
            apply=lambda qs, text: person_search(qs, query=text),
            placeholder=gettext_lazy("e.g. nguyen van an, 0912 345 678, 001090123456"),
            prominent=True,
        ),
        commune_filter(),
        Filter("sex", gettext_lazy("Sex"), choices=Sex.choices),
        Filter("born_from", gettext_lazy("Born in or after (year)"), kind=FilterKind.INT,
               minimum=1900, maximum=2100, lookup="birth_year__gte"),
        Filter("born_until", gettext_lazy("Born in or before (year)"), kind=FilterKind.INT,
               minimum=1900, maximum=2100, lookup="birth_year__lte"),
    ),
    sorts=(
        Sort("name", gettext_lazy("Name"), ("name_folded", "id")),
        Sort("registered", gettext_lazy("Time of registration"), ("created_at", "id")),
    ),
    default_sort="name",
    page_size=25,
    model=Person,
    index_prefixes=((), ("commune",)),
)  # fmt: skip


def person_get_visible(*, user: User, public_id) -> Person:
    """One person by public id, or NotFound when unknown or outside the user's jurisdiction."""
    try:
        return person_list_visible_to(user=user).prefetch_related("documents").get(public_id=public_id)
    except (Person.DoesNotExist, ValueError) as exc:
        raise NotFound(_("This person is not registered in your jurisdiction."), code="not_found") from exc


def person_by_id_number(*, number: str) -> Person | None:
    """The person holding this CCCD, old CMND or passport number (None when nobody, or several, do)."""
    number = (number or "").strip().upper()
    if not number or len(number) > 32:
        return None
    kinds = (DocumentKind.CCCD, DocumentKind.CMND, DocumentKind.PASSPORT)
    found = list(
        Person.objects.filter(documents__kind__in=kinds, documents__number=number)
        .select_related("commune__province")
        .distinct()[:2]
    )
    return found[0] if len(found) == 1 else None


def person_ids_by_id_numbers(*, numbers) -> list[int]:
    """The people holding any of these CCCD, old CMND or passport numbers (ids only: an audited page that
    shows names it holds elsewhere notes who they are)."""
    wanted = {(n or "").strip().upper() for n in numbers} - {""}
    if not wanted:
        return []
    kinds = (DocumentKind.CCCD, DocumentKind.CMND, DocumentKind.PASSPORT)
    return list(
        IdentityDocument.objects.filter(kind__in=kinds, number__in=wanted)
        .values_list("person_id", flat=True)
        .distinct()
    )


def people_by_id(*, person_ids: list[int]) -> list[Person]:
    """People by primary key, in the order asked (unknown ids dropped)."""
    found = Person.objects.in_bulk(list(person_ids))
    return [found[i] for i in person_ids if i in found]


def commune_for_registration(*, user: User, code: int | None) -> Commune | None:
    """The commune a new person is registered in: the given one if in the user's jurisdiction, else theirs."""
    if code is None:
        return user.commune
    commune = Commune.objects.filter(pk=code).first()
    if commune is None:
        raise Invalid(_("There is no commune with code %(code)s.") % {"code": code}, field="commune_code")
    if not user_in_jurisdiction(user=user, commune_id=commune.pk, province_id=commune.province_id):
        raise Forbidden(_("This commune is outside your jurisdiction."), field="commune_code")
    return commune


# --- hot paths (check-in scans, batches, imports): one narrow query each, no ORM query building -------

# The columns a scan answer and the station screen use; the rest load on access.
_SCAN_FIELDS = tuple(  # in the model's field order
    f.attname
    for f in Person._meta.concrete_fields
    if f.attname
    in {
        "id",
        "public_id",
        "full_name",
        "birth_date",
        "birth_year",
        "sex",
        "address",
        "phone",
        "commune_id",
        "qr_generation",
    }
)
_BLANKS = ("birth_date", "birth_year", "sex", "address", "phone")


def _person_from_row(row) -> Person:
    values = dict(zip(_SCAN_FIELDS, row, strict=True))
    if not isinstance(values["public_id"], uuid.UUID):  # SQLite keeps it as 32 hex characters
        values["public_id"] = uuid.UUID(values["public_id"])
    return loaded(Person, values, using=connection.alias)


def person_for_scanned_document(*, doc) -> Person | None:
    """The registered person a parsed payload names, in one query, when the scan changes nothing about them.

    None means "take the full path" (`people.services.person_from_scan`): nobody has the card yet, the card
    proves a document not stored yet, it fills a blank (date of birth, sex, address, phone), it is a masked
    national QR, or an EpiQR code that is unknown or replaced.
    """
    found = person_scan_match_sql(doc=doc)
    if found is None:
        return None
    with connection.cursor() as cur:
        cur.execute(*found)
        row = cur.fetchone()
    return None if row is None else _person_from_row(row)


def _column_map(*, key: str, value: str, keys, pg_type: str, key_as_text: bool = False) -> dict:
    """{key: value} for the people whose `key` column is among `keys`, in one read: one array parameter
    on PostgreSQL (a list of tens of thousands costs more to build as an IN list than to run), chunked
    IN lists elsewhere. `key` and `value` are column names that are also field names (`id` as `pk`);
    `key_as_text` returns the keys as text (PostgreSQL casts them, skipping Python objects)."""
    keys = list(keys)
    if not keys:
        return {}
    if connection.vendor == "postgresql":
        selected = f"{key}::text" if key_as_text else key
        with connection.cursor() as cur:
            cur.execute(
                f"SELECT {selected}, {value} FROM {Person._meta.db_table} WHERE {key} = ANY(%s::{pg_type}[])",
                [array_literal(keys)],
            )
            return dict(cur.fetchall())
    found: dict = {}
    for start in range(0, len(keys), 900):
        found.update(
            Person.objects.filter(**{f"{key}__in": keys[start : start + 900]}).values_list(key, value)
        )
    return {str(k): v for k, v in found.items()} if key_as_text else found


def person_ids_by_public_id(*, public_ids: set[uuid.UUID]) -> dict[uuid.UUID, int]:
    """Person ids for public ids, in one read."""
    return _column_map(key="public_id", value="id", keys=public_ids, pg_type="uuid")


def person_ids_by_public_id_text(*, texts: set[str]) -> dict[str, int]:
    """Person ids for canonical public id strings (lower case, with dashes), in one read."""
    return _column_map(key="public_id", value="id", keys=texts, pg_type="uuid", key_as_text=True)


def person_same_household(*, phone: str, full_name: str, birth_year: int | None) -> Person | None:
    """The person registered with this phone, name (diacritics ignored) and birth year, if any: family
    members share a phone, so the phone alone does not name one person."""
    return Person.objects.filter(
        phone=phone, name_folded=fold(normalise_name(full_name)), birth_year=birth_year
    ).first()


def person_ids_for_scanned_documents(*, docs: list) -> list[int | None]:
    """For each parsed payload, the id of the registered person it names when the scan changes nothing
    about them (the rule of person_for_scanned_document), else None; one query for all of them.

    EpiQR personal codes and masked national QRs are always None here: the full path checks them.
    """
    wanted = [[(str(k), n) for k, n, _issued in _document_keys(doc)] for doc in docs]
    pairs = sorted({key for keys in wanted for key in keys})
    if not pairs:
        return [None] * len(docs)
    blanks = ", ".join(f"p.{c}" for c in _BLANKS)
    found: dict[tuple[str, str], tuple] = {}
    with connection.cursor() as cur:
        if connection.vendor == "postgresql":  # two array parameters: one short statement, any size
            kinds, numbers = zip(*pairs, strict=True)
            cur.execute(
                f"SELECT d.kind, d.number, p.id, {blanks} FROM unnest(%s::text[], %s::text[]) AS w(kind, number) "
                f"JOIN {IdentityDocument._meta.db_table} d ON d.kind = w.kind AND d.number = w.number "
                f"JOIN {Person._meta.db_table} p ON p.id = d.person_id",
                [array_literal(kinds), array_literal(numbers)],
            )
            found.update({(r[0], r[1]): r[2:] for r in cur.fetchall()})
        else:
            for start in range(0, len(pairs), 400):  # SQLite allows 999 parameters a statement
                part = pairs[start : start + 400]
                where = " OR ".join(["(d.kind = %s AND d.number = %s)"] * len(part))
                cur.execute(
                    f"SELECT d.kind, d.number, p.id, {blanks} FROM {IdentityDocument._meta.db_table} d "
                    f"JOIN {Person._meta.db_table} p ON p.id = d.person_id WHERE {where}",
                    [v for key in part for v in key],
                )
                found.update({(r[0], r[1]): r[2:] for r in cur.fetchall()})
    out: list[int | None] = []
    for doc, keys in zip(docs, wanted, strict=True):
        rows = [found.get(key) for key in keys]
        if not keys or None in rows:
            out.append(None)
            continue
        person = dict(zip(("id", *_BLANKS), rows[0], strict=True))
        fills = any(getattr(doc, name) and not person[name] for name in _BLANKS)
        out.append(None if fills else person["id"])
    return out


def person_scan_match_sql(*, doc) -> tuple[str, list] | None:
    """A SELECT of the scan columns (`person_scan_columns`) of the person a parsed payload names, under the
    rule of person_for_scanned_document, for a caller that joins it into its own statement; it returns
    no row when that function would return None. None when the payload cannot be matched this way."""
    if doc.kind == KIND_EPIQR:
        person_cols = ", ".join(f"p.{c}" for c in _SCAN_FIELDS)
        table = Person._meta.db_table
        try:
            public_id = uuid.UUID(str(doc.person_public_id))
        except ValueError:
            return None
        value = Person._meta.get_field("public_id").get_db_prep_value(public_id, connection)
        return (
            f"SELECT {person_cols} FROM {table} p WHERE p.public_id = %s AND p.qr_generation = %s",
            [value, doc.qr_generation],
        )
    keys = [(str(kind), number) for kind, number, _issued in _document_keys(doc)]
    if not keys:
        return None
    filled = tuple(bool(getattr(doc, name)) for name in _BLANKS)
    return _person_scan_sql(len(keys), filled), [v for key in keys for v in key]


@functools.lru_cache(maxsize=64)
def _person_scan_sql(key_count: int, filled: tuple[bool, ...]) -> str:
    """person_scan_match_sql's text for a card proving `key_count` documents and filling the blanks
    marked in `filled` (in _BLANKS' order): a few shapes, each composed once per process."""
    person_cols = ", ".join(f"p.{c}" for c in _SCAN_FIELDS)
    table = Person._meta.db_table
    docs = IdentityDocument._meta.db_table
    # The person the strongest document names, and every other document the card proves is stored.
    join = f"JOIN {docs} d ON d.person_id = p.id AND d.kind = %s AND d.number = %s"
    conditions = [f"EXISTS (SELECT 1 FROM {docs} WHERE kind = %s AND number = %s)"] * (key_count - 1)
    # A scan that would fill a blank takes the full path.
    for name, fills in zip(_BLANKS, filled, strict=True):
        if fills:
            column = Person._meta.get_field(name)
            if isinstance(column, models.CharField):
                conditions.append(f"p.{name} <> ''")
            else:
                conditions.append(
                    f"p.{name} IS NOT NULL AND p.{name} <> 0"
                    if name == "birth_year"
                    else f"p.{name} IS NOT NULL"
                )
    where = " AND ".join(conditions) or "true"
    return f"SELECT {person_cols} FROM {table} p {join} WHERE {where}"


def person_scan_columns() -> tuple[str, ...]:
    """The columns person_scan_match_sql selects, in order."""
    return _SCAN_FIELDS


def person_from_scan_row(row) -> Person:
    """A Person (the scan columns loaded, the rest on access) from a row of person_scan_match_sql."""
    return _person_from_row(row)


@contextmanager
def person_commune_column_pending(*, person_ids: np.ndarray) -> Iterator[Callable[[], np.ndarray]]:
    """Each person's commune code, aligned with `person_ids` (-1 for none or an unknown person): the read
    sent to the database, and a function that waits for its answer. The caller works in between while
    the server reads (PostgreSQL's pipeline mode; elsewhere the answer is read first). Only Python may
    run in between: a statement on the same connection would wait behind it.

    On PostgreSQL one packed read (eight bytes a person, no row per person for the client to decode):
    an F2 run names up to a hundred thousand people, whose communes take the server 0.2 s to read."""
    ids = np.asarray(person_ids, dtype=np.int64)
    if not len(ids) or connection.vendor != "postgresql":
        column = _commune_column_elsewhere(ids)
        yield lambda: column
        return
    # One index probe per person, in id order (neighbouring ids share pages); the planner would otherwise
    # merge-join the whole primary key, and JIT-compile it. set_config(..., true): for this transaction.
    wanted, back = np.unique(ids, return_inverse=True)
    with transaction.atomic(), connection.cursor() as cur, cur.cursor.connection.pipeline():
        cur.execute("SELECT set_config('jit', 'off', true)")
        cur.execute(
            "SELECT string_agg(int8send(coalesce((SELECT p.commune_id FROM "
            f"{Person._meta.db_table} p WHERE p.id = u.id), -1)), ''::bytea ORDER BY u.i) "
            "FROM unnest(%s::bigint[]) WITH ORDINALITY u(id, i)",
            [int_array_literal(wanted.tolist())],
        )
        yield lambda: np.frombuffer(bytes(cur.fetchone()[0]), dtype=">i8").astype(np.int64)[back]


def _commune_column_elsewhere(ids: np.ndarray) -> np.ndarray:
    if not len(ids):
        return ids.copy()
    found = person_communes(person_ids=ids.tolist())
    return np.array([-1 if found.get(p) is None else found[p] for p in ids.tolist()], dtype=np.int64)


def person_communes(*, person_ids: list[int]) -> dict[int, int | None]:
    """Each person's commune, in one read (a tracing run assigns each contact to their commune's
    health station; an F2 run can name tens of thousands of people)."""
    return _column_map(key="id", value="commune_id", keys=person_ids, pg_type="bigint")


# --- citizens' phones ---------------------------------------------------------------------------------


@dataclass(frozen=True)
class DevicePerson:
    """One person as a phone knows them. `label` is the name the phone typed until the holder proved who
    they are; then it is the registered name and `person` is the record. Unproven, the record stays out
    of reach (`person` is None) so that a page cannot show it by mistake."""

    link_id: int
    person_id: int
    label: str
    proven: bool
    person: Person | None
    typed_phone: str = ""
    typed_birth_year: int | None = None
    typed_commune_id: int | None = None


def device_for_key(*, key: str | None):
    """The phone a cookie key names, or None."""
    if not key:
        return None
    return Device.objects.filter(key_hash=device_key_hash(key)).first()


def device_people_known(*, device: Device) -> list[DevicePerson]:
    """Everyone this phone checks in, in the order it added them, each marked proven or not."""
    from django.utils import timezone

    if device is None:
        return []
    proven = set(
        DeviceProof.objects.filter(device=device, object_type="", expires_at__gt=timezone.now()).values_list(
            "person_id", flat=True
        )
    )
    out = []
    for link in (
        DeviceLink.objects.filter(device=device).select_related("person").order_by("created_at", "pk")
    ):
        is_proven = link.person_id in proven
        out.append(
            DevicePerson(
                link_id=link.pk,
                person_id=link.person_id,
                label=link.person.full_name if is_proven else link.label,
                proven=is_proven,
                person=link.person if is_proven else None,
                typed_phone=link.phone,
                typed_birth_year=link.birth_year,
                typed_commune_id=link.commune_id,
            )
        )
    return out


def device_people_proven(*, device: Device) -> list[Person]:
    """The people this phone's holder has proven to be (or to hold the phone on record of)."""
    return [p.person for p in device_people_known(device=device) if p.person is not None]


def device_objects_proven(*, device: Device, object_type: str) -> list[str]:
    """Ids of single objects of `object_type` the phone proved (a result by its slip), still valid."""
    from django.utils import timezone

    if device is None:
        return []
    return list(
        DeviceProof.objects.filter(
            device=device, object_type=object_type, expires_at__gt=timezone.now()
        ).values_list("object_id", flat=True)
    )


def proof_challenge_latest(*, device: Device, kind: str):
    """The phone's latest proof of this kind, used, open or expired; None if it never started one."""
    if device is None:
        return None
    return ProofChallenge.objects.filter(device=device, kind=kind).order_by("-created_at", "-pk").first()
