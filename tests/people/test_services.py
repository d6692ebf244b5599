"""Finding and registering people from scans and from what a scan-station operator types."""

from datetime import date

import pytest

from epiqr.core.errors import Conflict, Invalid, NotFound
from epiqr.people.models import DocumentKind, IdentityDocument, Person
from epiqr.people.parsers import ParseError
from epiqr.people.services import (
    person_create,
    person_find,
    person_from_scan,
    person_personal_qr,
    person_qr_rotate,
    person_update,
)
from tests.people.payloads import bhyt, cccd, cccd_number, national

pytestmark = pytest.mark.django_db


def test_first_scan_of_a_cccd_registers_the_person_and_the_second_finds_them(commune):
    first = person_from_scan(payload=cccd(), commune=commune)
    assert first.created and first.document.kind == "cccd"
    person = first.person
    assert person.full_name == "Nguyễn Văn An" and person.name_folded == "nguyen van an"
    assert person.birth_date == date(1990, 3, 15) and person.sex == "M" and person.commune == commune
    kinds = set(person.documents.values_list("kind", "number"))
    assert kinds == {(DocumentKind.CCCD, cccd_number()), (DocumentKind.CMND, "012345678")}

    again = person_from_scan(payload=cccd())
    assert not again.created and again.person.pk == person.pk
    assert Person.objects.count() == 1


def test_scan_without_create_does_not_register():
    with pytest.raises(NotFound):
        person_from_scan(payload=cccd(), create=False)
    assert not Person.objects.exists()


def test_new_chip_card_of_someone_known_by_old_cmnd_is_linked_not_duplicated():
    known = person_create(full_name="nguyễn  văn an", birth_year=1990, old_id_number="012345678")
    scan = person_from_scan(payload=cccd())
    assert not scan.created and scan.person.pk == known.pk
    known.refresh_from_db()
    assert known.full_name == "Nguyễn Văn An" and known.birth_date == date(1990, 3, 15)  # blanks filled
    assert IdentityDocument.objects.filter(person=known, kind=DocumentKind.CCCD).exists()


def test_bhyt_old_and_new_card_numbers_name_the_same_person():
    first = person_from_scan(payload=bhyt(code="GD4010123456789"))
    renewed = person_from_scan(payload=bhyt(code="0123456789", valid_to="-"))
    assert first.created and not renewed.created and renewed.person.pk == first.person.pk
    assert first.person.sex == "F" and first.person.birth_date == date(1985, 9, 2)


def test_masked_national_qr_is_found_again_by_its_qid_and_by_visible_digits():
    scan = person_from_scan(payload=national())
    assert scan.created and scan.person.birth_year == 1978 and scan.person.phone == "0912345678"
    assert person_from_scan(payload=national()).person.pk == scan.person.pk
    # someone registered by CCCD shows a national QR whose ID is masked: last 6 digits + name + year match
    other = person_create(
        full_name="Lê Minh Châu",
        birth_year=1978,
        sex="F",
        id_number=cccd_number(born=1978, sex="F", serial=111222),
    )
    shown = national(number="******111222", qid="QR999")
    assert person_from_scan(payload=shown).person.pk == other.pk


def test_unreadable_scan_raises_parse_error_and_stores_nothing():
    with pytest.raises(ParseError):
        person_from_scan(payload=cccd()[:30])
    assert not Person.objects.exists()


def test_personal_qr_round_trip_rotation_and_forgery():
    person = person_create(full_name="Trần Thị Bình", birth_year=1985, sex="F")
    payload = person_personal_qr(person=person)
    assert payload.startswith("EPIQR1:") and "BINH" in payload
    scan = person_from_scan(payload=payload)
    assert scan.person.pk == person.pk and not scan.created

    forged = payload.replace("TRAN THI BINH", "TRAN THI BONG")
    with pytest.raises(ParseError) as caught:
        person_from_scan(payload=forged)
    assert caught.value.code == "bad_signature"

    person_qr_rotate(person=person, actor=None)
    with pytest.raises(Invalid) as caught:
        person_from_scan(payload=payload)
    assert caught.value.code == "qr_revoked"
    assert person_from_scan(payload=person_personal_qr(person=person)).person.pk == person.pk


def test_personal_qr_never_carries_the_id_number():
    number = cccd_number()
    person = person_create(full_name="Nguyễn Văn An", birth_year=1990, sex="M", id_number=number)
    payload = person_personal_qr(person=person)
    assert number not in payload and number[-6:] not in payload


def test_person_find_by_what_the_operator_types():
    person = person_create(
        full_name="Phạm Quốc Dũng",
        birth_year=1990,
        sex="M",
        phone="+84 912 000 111",
        id_number=cccd_number(serial=42),
        bhyt_number="DN4010987654321",
    )
    assert person.phone == "0912000111"
    assert person_find(identifier=cccd_number(serial=42)).pk == person.pk
    assert person_find(identifier=" 0912 000 111 ").pk == person.pk
    assert person_find(identifier="84912000111").pk == person.pk
    assert person_find(identifier="DN4010987654321").pk == person.pk
    assert person_find(identifier="0987654321").pk == person.pk  # the 10-digit social-insurance number


@pytest.mark.parametrize(
    ("identifier", "error", "code"),
    [
        ("", Invalid, "empty"),
        ("hello", Invalid, "bad_identifier"),
        ("003090123456", Invalid, "bad_province_code"),
        (cccd_number(serial=9), NotFound, "unknown_person"),
        ("0999999999", NotFound, "unknown_person"),
    ],
)
def test_person_find_errors(identifier, error, code):
    with pytest.raises(error) as caught:
        person_find(identifier=identifier)
    assert caught.value.code == code


def test_person_find_refuses_to_guess_between_family_members_sharing_a_phone():
    person_create(full_name="Nguyễn Văn An", phone="0912000222")
    person_create(full_name="Nguyễn Thị Bé", phone="0912000222")
    with pytest.raises(Invalid) as caught:
        person_find(identifier="0912000222")
    assert caught.value.code == "ambiguous"


def test_create_refuses_inconsistent_or_duplicate_id_numbers():
    number = cccd_number()
    with pytest.raises(Invalid) as caught:
        person_create(full_name="Nguyễn Thị An", birth_year=1990, sex="F", id_number=number)
    assert caught.value.code == "sex_mismatch"
    person_create(full_name="Nguyễn Văn An", birth_year=1990, sex="M", id_number=number)
    with pytest.raises(Conflict):
        person_create(full_name="Nguyễn Văn Anh", birth_year=1990, sex="M", id_number=number)
    assert Person.objects.count() == 1
    with pytest.raises(Invalid):
        person_create(full_name="   ")
    with pytest.raises(Invalid):
        person_create(full_name="Ai Đó", phone="12345")


def test_update_changes_only_given_fields(commune):
    person = person_create(full_name="Lê Văn Cường", birth_year=1970, sex="M", phone="0912000333")
    person_update(person=person, address="Số 3 Phố Huế", commune=commune, id_number=cccd_number(born=1970))
    person.refresh_from_db()
    assert person.phone == "0912000333" and person.address == "Số 3 Phố Huế" and person.commune == commune
    assert person.documents.get(kind=DocumentKind.CCCD).number == cccd_number(born=1970)


def test_personal_qr_from_another_installation_or_of_an_unknown_person_is_refused(settings):
    import uuid

    from epiqr.people.personal_qr import personal_qr_make

    person = person_create(full_name="Hoàng Thu Hà", birth_year=2001, sex="F")
    settings.EPIQR_SIGNING_KEY = "another-installation-key"
    foreign = person_personal_qr(person=person)
    settings.EPIQR_SIGNING_KEY = "epiqr-test-key-restored"
    genuine = person_personal_qr(person=person)
    assert foreign != genuine
    with pytest.raises(ParseError) as caught:
        person_from_scan(payload=foreign)
    assert caught.value.code == "bad_signature"

    nobody = personal_qr_make(public_id=uuid.uuid4(), generation=1, full_name="Ai Do", birth_year=None)
    with pytest.raises(NotFound) as caught:
        person_from_scan(payload=nobody)
    assert caught.value.code == "unknown_person"


def test_masked_national_qr_without_qid_is_found_by_name_birth_year_and_phone():
    first = person_from_scan(payload=national(qid=""))
    again = person_from_scan(payload=national(qid=""))
    assert first.created and not again.created and again.person.pk == first.person.pk


def test_update_birth_year_alone_and_birth_date_wins_over_year():
    person = person_create(full_name="Đỗ Văn Tám", birth_year=1970)
    person_update(person=person, birth_year=1971)
    person.refresh_from_db()
    assert person.birth_year == 1971 and person.birth_date is None
    person_update(person=person, birth_date=date(1972, 5, 6), birth_year=1999)
    person.refresh_from_db()
    assert person.birth_year == 1972 and person.birth_date == date(1972, 5, 6)
