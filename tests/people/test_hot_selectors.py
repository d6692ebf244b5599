"""Selectors of the check-in hot paths: a known card in one query, people by public id in one read."""

import uuid

from epiqr.people.parsers import parse_payload
from epiqr.people.selectors import (
    person_for_scanned_document,
    person_ids_by_public_id,
    person_ids_by_public_id_text,
    person_same_household,
)
from epiqr.people.services import person_create, person_from_scan, person_personal_qr, person_qr_rotate
from tests.factories import PersonFactory

from .payloads import cccd, cccd_number


def test_known_card_found_in_one_query(db, django_assert_num_queries):
    payload = cccd(number=cccd_number(serial=424242))
    registered = person_from_scan(payload=payload).person
    doc = parse_payload(payload)
    with django_assert_num_queries(1):
        found = person_for_scanned_document(doc=doc)
    assert found.pk == registered.pk and found.public_id == registered.public_id
    assert isinstance(found.public_id, uuid.UUID) and found.full_name == registered.full_name
    assert found.birth_date == registered.birth_date and found.commune_id == registered.commune_id
    found.refresh_from_db()  # a full instance (deferred fields load on access)
    assert found.created_at == registered.created_at


def test_full_path_needed_for_new_cards_blanks_and_unstored_documents(db):
    payload = cccd(number=cccd_number(serial=515151), old="")
    assert person_for_scanned_document(doc=parse_payload(payload)) is None  # nobody has the card yet
    person = person_from_scan(payload=payload).person
    type(person).objects.filter(pk=person.pk).update(address="")
    assert person_for_scanned_document(doc=parse_payload(payload)) is None  # the card would fill the address
    type(person).objects.filter(pk=person.pk).update(address=parse_payload(payload).address)
    assert person_for_scanned_document(doc=parse_payload(payload)) == person
    with_old = cccd(number=cccd_number(serial=515151), old="123456789")
    assert person_for_scanned_document(doc=parse_payload(with_old)) is None  # the CMND is not stored yet


def test_personal_qr_found_only_in_its_current_generation(db, make_user):
    person = PersonFactory()
    old = person_personal_qr(person=person)
    assert person_for_scanned_document(doc=parse_payload(old)) == person
    person_qr_rotate(person=person, actor=make_user())
    assert person_for_scanned_document(doc=parse_payload(old)) is None  # the full path explains the refusal
    assert person_for_scanned_document(doc=parse_payload(person_personal_qr(person=person))) == person


def test_people_by_public_id_as_uuid_and_as_text(db):
    a, b = PersonFactory(), PersonFactory()
    unknown = uuid.uuid4()
    assert person_ids_by_public_id(public_ids={a.public_id, b.public_id, unknown}) == {
        a.public_id: a.pk,
        b.public_id: b.pk,
    }
    assert person_ids_by_public_id_text(texts={str(a.public_id), str(unknown)}) == {str(a.public_id): a.pk}
    assert person_ids_by_public_id(public_ids=set()) == {}


def test_same_household_needs_phone_name_and_birth_year(db):
    mother = person_create(full_name="Trần Thị Bình", birth_year=1970, phone="0912345678")
    person_create(full_name="Lê Minh Châu", birth_year=2010, phone="0912345678")
    assert person_same_household(phone="0912345678", full_name="tran thi  binh", birth_year=1970) == mother
    assert person_same_household(phone="0912345678", full_name="Trần Thị Bình", birth_year=1971) is None


def test_many_known_cards_in_one_query(db, django_assert_num_queries):
    from epiqr.people.selectors import person_ids_for_scanned_documents

    payloads = [cccd(number=cccd_number(serial=700000 + i), old="") for i in range(3)]
    ids = [person_from_scan(payload=p).person.pk for p in payloads[:2]]
    person = PersonFactory()
    docs = [parse_payload(p) for p in payloads] + [parse_payload(person_personal_qr(person=person))]
    with django_assert_num_queries(1):
        found = person_ids_for_scanned_documents(docs=docs)
    assert found == [ids[0], ids[1], None, None]  # an unknown card and a personal QR take the full path
