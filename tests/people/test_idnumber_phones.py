import pytest

from epiqr.core.errors import Invalid
from epiqr.people.idnumber import (
    PROVINCE_CODES,
    IdNumberError,
    id_number_check,
    id_number_make,
    id_number_read,
)
from epiqr.people.phones import PhoneError, normalise_phone


def test_province_list_is_the_63_pre_2025_provinces():
    assert len(PROVINCE_CODES) == 63
    assert PROVINCE_CODES["001"] == "Hà Nội" and PROVINCE_CODES["096"] == "Cà Mau"
    assert PROVINCE_CODES["079"] == "Hồ Chí Minh" and "003" not in PROVINCE_CODES


@pytest.mark.parametrize(
    ("year", "sex", "digit"),
    [(1990, "M", 0), (1990, "F", 1), (2005, "M", 2), (2005, "F", 3), (2101, "F", 5), (2350, "M", 8)],
)
def test_century_sex_digit(year, sex, digit):
    number = id_number_make(province_code="048", birth_year=year, sex=sex, serial=7)
    assert number[3] == str(digit) and number[4:6] == f"{year % 100:02d}" and number.startswith("048")
    info = id_number_check(number, birth_year=year, sex=sex)
    assert info.birth_year == year and info.sex == sex and info.province_name == "Đà Nẵng"


@pytest.mark.parametrize(
    ("number", "kwargs", "code"),
    [
        ("003090123456", {}, "bad_province_code"),  # 003 is not a province
        ("00109012345", {}, "bad_id_number"),  # 11 digits
        ("00109012345x", {}, "bad_id_number"),
        ("001090123456", {"birth_year": 2090}, "century_mismatch"),  # digit 0 says 1900s
        ("001090123456", {"birth_year": 1991}, "birth_year_mismatch"),
        ("001090123456", {"birth_year": 1990, "sex": "F"}, "sex_mismatch"),
        ("001290123456", {"birth_year": 1990, "sex": "M"}, "century_mismatch"),  # 2 = 2000s male
    ],
)
def test_inconsistent_numbers_are_refused_with_a_reason(number, kwargs, code):
    with pytest.raises(IdNumberError) as caught:
        id_number_check(number, **kwargs)
    assert caught.value.code == code and isinstance(caught.value, Invalid)
    assert caught.value.message


def test_read_without_context_accepts_a_well_formed_number():
    assert id_number_read("001190123456").sex == "F"


@pytest.mark.parametrize(
    ("raw", "expected"),
    [
        ("0912 345 678", "0912345678"),
        ("+84912345678", "0912345678"),
        ("84912345678", "0912345678"),
        ("+84 (91) 234-5678", "0912345678"),
        ("0084912345678", "0912345678"),
        ("+84 0912 345 678", "0912345678"),
        ("912345678", "0912345678"),  # leading zero eaten by a spreadsheet
        ("0912.345.678", "0912345678"),
        ("01689123456", "0389123456"),  # 2018 renumbering, Viettel 0168 -> 038
        ("0123 456 7890", "0834567890"),  # VinaPhone 0123 -> 083
        ("024 3825 1234", "02438251234"),  # Hà Nội landline
    ],
)
def test_normalise_phone(raw, expected):
    assert normalise_phone(raw) == expected


@pytest.mark.parametrize(
    "raw", ["", "   ", "12345", "0112345678", "+1 415 555 0100", "09123456789", "09l2345678"]
)
def test_bad_phones_are_refused(raw):
    with pytest.raises(PhoneError) as caught:
        normalise_phone(raw)
    assert caught.value.status == 422 and caught.value.field == "phone"
