"""Every real-world payload variant a scan station sees, and every way a scan goes wrong."""

from datetime import date

import pytest

from epiqr.core.errors import Invalid
from epiqr.core.text import LENGTH_KEEPING, fold, normalise_name
from epiqr.people.parsers import MAX_PAYLOAD, NAME_MAX, ParseError, parse_payload
from tests.people.payloads import bhyt, cccd, cccd_number, national

TODAY = date(2026, 11, 23)


def parse(text):
    return parse_payload(text, today=TODAY)


def refused(text) -> ParseError:
    with pytest.raises(ParseError) as caught:
        parse(text)
    assert isinstance(caught.value, Invalid) and caught.value.status == 422
    assert caught.value.message and caught.value.field == "payload"
    return caught.value


# ------------------------------------------------------------------------------------------------ CCCD


def test_cccd_chip_card():
    doc = parse(cccd())
    assert doc.kind == "cccd"
    assert doc.id_number == cccd_number(born=1990, sex="M") and doc.old_id_number == "012345678"
    assert doc.full_name == "Nguyễn Văn An" and doc.sex == "M"
    assert doc.birth_date == date(1990, 3, 15) and doc.birth_year == 1990
    assert doc.address == "Số 12 Hàng Bạc, Phường Hoàn Kiếm, Hà Nội" and doc.issued_on == date(2021, 7, 1)


def test_cccd_woman_born_in_the_2000s_without_old_cmnd():
    doc = parse(cccd(old="", name="Trần Thị Bình", born=date(2004, 2, 29), sex="F"))
    assert doc.sex == "F" and doc.birth_date == date(2004, 2, 29) and doc.old_id_number == ""
    assert doc.id_number[3] == "3"


def test_2024_card_with_extra_and_empty_fields():
    doc = parse(cccd(old="", issued=date(2024, 7, 1), extra=("", "Nguyễn Văn Bố", "")))
    assert doc.kind == "cccd" and doc.issued_on == date(2024, 7, 1)
    assert doc.extra == ("", "Nguyễn Văn Bố", "")


def test_2024_card_with_empty_issue_date_and_trailing_whitespace_from_scanner():
    doc = parse("\ufeff" + cccd(issued=None, extra=("",)) + "\r\n")
    assert doc.issued_on is None and doc.full_name == "Nguyễn Văn An"


def test_symbology_prefix_of_a_scanner_is_ignored():
    assert parse("]Q1" + cccd()).full_name == "Nguyễn Văn An"


def test_unknown_birth_day_and_month_is_a_year_only():
    number = cccd_number(born=1950, sex="F")
    doc = parse(f"{number}||Hoàng Thị Hoa|00001950|Nữ|Hà Nội|01072021")
    assert doc.birth_date is None and doc.birth_year == 1950 and doc.birth_masked == ("day", "month")


@pytest.mark.parametrize(
    ("payload", "code"),
    [
        (cccd()[:40], "truncated"),  # the scanner stopped mid-way
        (cccd(issued=None).rstrip("|") + "|010720", "truncated"),  # issue date cut off
        (cccd(born=date(1990, 3, 15)).replace("15031990", "31021990"), "bad_date"),  # 31 February
        (cccd().replace("15031990", "15131990"), "bad_date"),
        (cccd().replace("15031990", "1503199"), "bad_date"),
        (cccd(number="003090123456"), "bad_province_code"),
        (cccd(number=cccd_number(born=2005), born=date(1905, 3, 15)), "century_mismatch"),  # 2 = 2000s
        (cccd(number=cccd_number(born=1991)), "birth_year_mismatch"),
        (cccd(number=cccd_number(born=1990, sex="F"), sex="M"), "sex_mismatch"),
        (cccd().replace("|Nam|", "|Khác|"), "bad_sex"),
        (cccd(issued=date(1989, 1, 1)), "bad_date"),  # issued before birth
        (cccd(issued=date(2027, 1, 1)), "bad_date"),  # in the future
        (cccd(number="0010901234567"), "unknown_format"),  # 13 digits: no known payload
        (cccd(number="00109012345"), "unknown_format"),
        (cccd(name="Nguyễn Văn An").replace("Nguyễn Văn An", ""), "missing_name"),
    ],
)
def test_cccd_errors(payload, code):
    assert refused(payload).code == code


def test_a_name_is_held_to_the_stored_length_whichever_way_it_is_checked():
    """A name of Vietnamese letters is checked by its own length (title-casing and folding cannot lengthen
    it); any other name by its stored and folded forms: both ways refuse a name the registry cannot hold."""
    for letter in LENGTH_KEEPING:
        assert len(normalise_name(letter)) <= 1 and len(fold(letter)) <= 1
    assert set("Nguyễn Thị Ánh Đào Ưng Ỷ") <= LENGTH_KEEPING and not set("0123456789?") & LENGTH_KEEPING
    syllables = "Nguyễn Thị Hồng Ánh Đặng Ưng Ỷ " * 5
    exact = syllables[: NAME_MAX - 1].strip() + "a"
    assert len(exact) == NAME_MAX
    assert parse(cccd(name=exact)).full_name == exact
    assert refused(cccd(name=exact + "b")).code == "name_too_long"
    # Short, but each letter folds to four ("Щ" -> "Shch"): refused by the folded length.
    assert refused(cccd(name="Щ" * 40)).code == "name_too_long"
    assert refused(cccd(name="Lê Văn 2")).code == "bad_name"


# ------------------------------------------------------------------------------ keyboard-wedge damage


@pytest.mark.parametrize(
    "payload",
    [
        cccd(name="Nguyễn Văn An").replace("Nguyễn Văn An", "Nguyá»…n VÄƒn An"),  # UTF-8 read as cp1252
        cccd(name="Lê Thị Thủy").replace("Lê Thị Thủy", "LÃª Thá»‹ Thá»§y"),
        cccd(name="Nguyễn Văn An").replace("Nguyễn", "Nguy\ufffdn"),  # replacement character
        cccd(name="Nguyễn Văn An").replace("Nguyễn Văn", "Nguy?n V?n"),  # US layout drops diacritics
        cccd().replace("|Nam|", "|N?|"),
        cccd().replace("Hàng Bạc", "H?ng B?c"),
        cccd().replace("Hàng", "H\x1bng"),  # control characters from a misconfigured wedge
    ],
)
def test_mangled_text_from_a_keyboard_wedge_scanner(payload):
    error = refused(payload)
    assert error.code == "mangled_text" and "UTF-8" in error.message


def test_legitimate_vietnamese_is_not_mistaken_for_mojibake():
    doc = parse(cccd(name="Đặng Thị Ánh Tuyết", address="Ngõ 5 Phố Huế, Phường Hai Bà Trưng, Hà Nội"))
    assert doc.full_name == "Đặng Thị Ánh Tuyết"


# ------------------------------------------------------------------------------------------------ BHYT


def test_bhyt_old_15_character_code_with_hex_fields():
    doc = parse(bhyt())
    assert doc.kind == "bhyt" and doc.bhyt_code == "GD4010123456789"
    assert doc.social_insurance_number == "0123456789"
    assert doc.full_name == "Trần Thị Bình" and doc.address == "Phường Hoàn Kiếm, Hà Nội"
    assert doc.sex == "F" and doc.birth_date == date(1985, 9, 2)
    assert doc.bhyt_valid_from == date(2021, 1, 1) and doc.bhyt_valid_to == date(2021, 12, 31)
    assert doc.issued_on == date(2020, 12, 15) and doc.bhyt_facility == "01 - 001"
    assert doc.warnings == ()


def test_bhyt_new_10_digit_code_with_open_end_and_year_only():
    doc = parse(bhyt(code="7912345678", born="1960", sex="1", valid_to="-"))
    assert doc.bhyt_code == doc.social_insurance_number == "7912345678"
    assert doc.sex == "M" and doc.birth_year == 1960 and doc.birth_date is None and doc.bhyt_valid_to is None


def test_bhyt_fields_that_are_not_hex_are_taken_as_printed():
    doc = parse(bhyt(hex_fields=False, name="Phạm Quốc Dũng", address="Hà Nội"))
    assert doc.full_name == "Phạm Quốc Dũng" and doc.address == "Hà Nội"
    assert set(doc.warnings) == {"name_not_hex", "address_not_hex"}


def test_bhyt_hex_that_is_not_utf8_falls_back_to_the_text():
    payload = bhyt().replace("Trần Thị Bình".encode().hex(), "ff00ff")
    assert refused(payload).code in ("bad_name", "missing_name") or parse(payload)


@pytest.mark.parametrize(
    ("payload", "code"),
    [
        (bhyt()[:-1], "truncated"),  # no terminating $
        (bhyt()[:60], "truncated"),
        ("GD4010123456789|4e67|01/01/1990|1|$", "field_count"),
        (bhyt(code="XX9010123456789"), "bad_bhyt_code"),  # benefit level 9 does not exist
        (bhyt(sex="3"), "bad_sex"),
        (bhyt(born="30/02/1985"), "bad_date"),
        (bhyt(valid_from="01/01/2022", valid_to="01/01/2021"), "bad_date"),
    ],
)
def test_bhyt_errors(payload, code):
    assert refused(payload).code == code


# -------------------------------------------------------------------------------- national 2021 QR


def test_national_qr_with_masked_id_and_birth_day():
    doc = parse(national())
    assert doc.kind == "national_qr" and doc.id_masked and doc.id_number.startswith("******")
    assert doc.full_name == "LE MINH CHAU" and doc.sex == "F"
    assert doc.birth_year == 1978 and doc.birth_date is None and doc.birth_masked == ("day",)
    assert doc.qid == "QR0012345" and doc.phone == "0912345678" and doc.extra == ("0912345678", "HA NOI")


def test_national_qr_fully_visible():
    doc = parse(national(number=cccd_number(born=1978, sex="M"), born="1978-11-05", sex="1", ext=""))
    assert not doc.id_masked and doc.birth_date == date(1978, 11, 5) and doc.sex == "M" and doc.extra == ()


def test_national_qr_with_old_cmnd_and_masked_month():
    doc = parse(national(number="012345678", born="1960-**-**"))
    assert doc.old_id_number == "012345678" and doc.id_number == "" and doc.birth_masked == ("day", "month")


@pytest.mark.parametrize(
    ("payload", "code"),
    [
        (national()[:30], "truncated"),
        (national() + "|extra", "field_count"),
        (national(born="1978-13-**"), "bad_date"),
        (national(born="1978-02-30"), "bad_date"),
        (national(sex="2"), "bad_sex"),
        (national(number="**123*456789"), "bad_id_number"),
        (national(number=cccd_number(born=1978, sex="F"), born="1979-01-01"), "birth_year_mismatch"),
        (national(number="***" + cccd_number(born=1978, sex="F")[3:], sex="1"), "century_mismatch"),
        (national(name="NGUY?N VAN AN"), "mangled_text"),
    ],
)
def test_national_qr_errors(payload, code):
    assert refused(payload).code == code


# ---------------------------------------------------------------------------------------- the rest


@pytest.mark.parametrize(
    ("payload", "code"),
    [
        ("", "empty"),
        ("  \r\n", "empty"),
        ("x" * (MAX_PAYLOAD + 1), "too_long"),
        ("https://example.com/some/page", "unknown_format"),
        ("Nguyễn Văn An", "unknown_format"),
        ("0010901", "truncated"),
        ("EPIQR1:abc|def.ghi", "bad_signature"),
    ],
)
def test_payloads_that_are_nothing_we_know(payload, code):
    assert refused(payload).code == code


def test_as_dict_is_json_ready():
    data = parse(cccd()).as_dict()
    assert data["birth_date"] == "1990-03-15" and data["kind"] == "cccd" and data["extra"] == []
