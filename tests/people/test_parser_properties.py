"""Property tests: no input crashes the parsers, and every valid payload reads back what was written."""

from datetime import date

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from epiqr.people.idnumber import PROVINCE_CODES, id_number_make
from epiqr.people.parsers import ParsedDocument, ParseError, parse_payload
from epiqr.people.personal_qr import personal_qr_make
from tests.people.payloads import bhyt, cccd, national

TODAY = date(2026, 11, 23)
FAST = settings(max_examples=300, deadline=None, suppress_health_check=[HealthCheck.too_slow])

FAMILY = [
    "Nguyễn",
    "Trần",
    "Lê",
    "Phạm",
    "Hoàng",
    "Huỳnh",
    "Phan",
    "Vũ",
    "Võ",
    "Đặng",
    "Bùi",
    "Đỗ",
    "Hồ",
    "Ngô",
]
MIDDLE = ["Văn", "Thị", "Hữu", "Đức", "Minh", "Thu", "Ngọc", "Quốc", "Thanh", "Xuân"]
GIVEN = ["An", "Bình", "Châu", "Dũng", "Hà", "Hương", "Khoa", "Lan", "Nguyệt", "Phúc", "Thủy", "Yến", "Đạt"]
names = st.builds(
    lambda f, m, g: f"{f} {m} {g}", st.sampled_from(FAMILY), st.sampled_from(MIDDLE), st.sampled_from(GIVEN)
)
addresses = st.builds(
    lambda n, s: f"Số {n} {s}, Hà Nội",
    st.integers(1, 300),
    st.sampled_from(["Phố Huế", "Hàng Bạc", "Đường Láng", "Ngõ Văn Chương", "Phường Hoàn Kiếm"]),
)
births = st.dates(date(1900, 1, 1), date(2025, 12, 31))


def fits_the_registry(doc: ParsedDocument) -> None:
    """What the parser accepts, the registry stores on every database: within the column lengths (the
    name as stored, title-cased and folded), and no NUL or lone surrogate in any text."""
    from epiqr.core.text import fold, normalise_name
    from epiqr.people.models import IdentityDocument, Person

    def limit(model, name):
        return model._meta.get_field(name).max_length

    if doc.kind != "epiqr":  # an EpiQR code names a registered person; its name is not stored again
        name = normalise_name(doc.full_name)
        assert len(name) <= limit(Person, "full_name") and len(fold(name)) <= limit(Person, "name_folded")
    assert len(doc.phone) <= limit(Person, "phone")
    for number in (doc.id_number, doc.old_id_number, doc.social_insurance_number, doc.qid):
        assert len(number) <= limit(IdentityDocument, "number")
    for text in (doc.full_name, doc.address, doc.phone, doc.qid, doc.id_number, doc.social_insurance_number):
        assert "\x00" not in text and not any("\ud800" <= c <= "\udfff" for c in text), repr(text)


def outcome(text: str) -> None:
    try:
        result = parse_payload(text, today=TODAY)
    except ParseError as exc:
        # "unreadable" is the safety net for an unexpected exception: reaching it means a parser bug.
        assert exc.code != "unreadable" and exc.message, exc.__cause__
    else:
        assert isinstance(result, ParsedDocument)
        fits_the_registry(result)


any_text = st.text(alphabet=st.characters(exclude_categories=()), max_size=160)


@FAST
@given(any_text, any_text, any_text)
def test_hostile_names_ids_and_addresses_are_refused_or_storable(name, qid, address):
    """The fields a card carries, hex-encoded or not: a NUL, a lone surrogate, a 200-letter name, a name
    that folds longer (CJK), a long QR id."""
    hex_name = name.encode("utf-8", "surrogatepass").hex()
    outcome(bhyt(name="Ă").replace("Ă".encode().hex(), hex_name, 1))
    outcome(bhyt(name=name.encode("utf-8", "replace").decode(), hex_fields=False))
    outcome(cccd(name=name, address=address, old=""))
    outcome(national(name=name, qid=qid))


@FAST
@given(st.text(max_size=300))
def test_any_text_is_a_document_or_a_parse_error(text):
    outcome(text)


@FAST
@given(st.lists(st.text(alphabet=st.characters(blacklist_characters="|"), max_size=20), max_size=14))
def test_any_pipe_separated_fields_are_a_document_or_a_parse_error(fields):
    outcome("|".join(fields))
    outcome("|".join(fields) + "|$")
    outcome("EPIQR1:" + "|".join(fields))


@FAST
@given(
    st.sampled_from(["cccd", "bhyt", "national"]),
    st.integers(0, 400),
    st.integers(0, 400),
    st.text(max_size=4),
)
def test_damaged_real_payloads_never_crash(kind, cut, at, noise):
    text = {"cccd": cccd(), "bhyt": bhyt(), "national": national()}[kind]
    outcome(text[:cut])
    outcome(text[:at] + noise + text[at:])


@FAST
@given(
    st.sampled_from(sorted(PROVINCE_CODES)),
    births,
    st.sampled_from("MF"),
    st.integers(0, 999_999),
    names,
    addresses,
)
def test_cccd_round_trip(province, born, sex, serial, name, address):
    number = id_number_make(province_code=province, birth_year=born.year, sex=sex, serial=serial)
    issued = max(born, date(2021, 1, 1))
    doc = parse_payload(
        cccd(number=number, name=name, born=born, sex=sex, address=address, issued=issued), today=TODAY
    )
    assert (doc.kind, doc.id_number, doc.full_name, doc.birth_date, doc.sex, doc.address, doc.issued_on) == (
        "cccd",
        number,
        name,
        born,
        sex,
        address,
        issued,
    )


@FAST
@given(st.from_regex(r"[A-Z]{2}[1-5]\d{12}", fullmatch=True), births, st.sampled_from("12"), names, addresses)
def test_bhyt_round_trip(code, born, sex, name, address):
    payload = bhyt(code=code, born=born.strftime("%d/%m/%Y"), sex=sex, name=name, address=address, issued="-")
    doc = parse_payload(payload, today=TODAY)
    assert (doc.bhyt_code, doc.social_insurance_number, doc.full_name, doc.address, doc.birth_date) == (
        code,
        code[5:],
        name,
        address,
        born,
    )
    assert doc.sex == {"1": "M", "2": "F"}[sex]


@FAST
@given(births, st.sampled_from("MF"), st.integers(0, 999_999), st.integers(0, 6), st.booleans())
def test_national_qr_round_trip(born, sex, serial, hidden, hide_day):
    number = id_number_make(province_code="001", birth_year=born.year, sex=sex, serial=serial)
    masked_number = "*" * hidden + number[hidden:]
    day = "**" if hide_day else f"{born.day:02d}"
    payload = national(
        number=masked_number, born=f"{born.year}-{born.month:02d}-{day}", sex="1" if sex == "M" else "0"
    )
    doc = parse_payload(payload, today=TODAY)
    assert doc.id_number == masked_number and doc.id_masked == (hidden > 0)
    assert doc.birth_year == born.year and doc.sex == sex
    assert doc.birth_date == (None if hide_day else born)


@FAST
@given(st.uuids(), st.integers(1, 10_000), st.one_of(st.none(), st.integers(1900, 2025)), names)
def test_personal_qr_round_trip(public_id, generation, year, name):
    doc = parse_payload(
        personal_qr_make(public_id=public_id, generation=generation, full_name=name, birth_year=year)
    )
    assert (doc.kind, doc.person_public_id, doc.qr_generation, doc.birth_year) == (
        "epiqr",
        str(public_id),
        generation,
        year,
    )
    assert doc.full_name.isascii() and doc.id_number == ""
