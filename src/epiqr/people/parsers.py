"""Parsers for every payload a scan station sees: CCCD chip card, BHYT card, the 2021 national personal
QR, and EpiQR's own signed personal QR.

`parse_payload(text)` recognises the shape and returns a ParsedDocument, or raises ParseError (an
`Invalid`, so the API answers 422) with a specific code. Nothing else escapes, whatever the input.
Pure module: no Django, no database (the EpiQR signature is checked with the signing key only).
"""

import re
from dataclasses import asdict, dataclass
from datetime import date, timedelta

from epiqr.core import signing
from epiqr.core.errors import Invalid
from epiqr.core.text import LENGTH_KEEPING, fold, normalise_name

from .idnumber import IdNumberError, id_number_check, id_number_read
from .messages import gettext_noop, translate
from .personal_qr import PREFIX as EPIQR_PREFIX
from .personal_qr import personal_qr_read
from .phones import PhoneError, normalise_phone

MAX_PAYLOAD = 1024  # the largest real payload (BHYT with hex fields) is ~400 characters
# What a parsed document may carry is what the registry can store (people.models), on every database:
NAME_MAX = 120  # Person.full_name and name_folded, after title-casing and folding
QID_MAX = 32  # IdentityDocument.number
CCCD_MIN_FIELDS = 7
NATIONAL_FIELDS = 6
BHYT_MIN_FIELDS = 9  # code|name|birth|sex|address|facility|valid from|valid to|issued ... $
EARLIEST_BIRTH = date(1900, 1, 1)

KIND_CCCD = "cccd"
KIND_BHYT = "bhyt"
KIND_NATIONAL = "national_qr"
KIND_EPIQR = "epiqr"

_DIGITS = re.compile(r"\d+")
_BHYT_OLD = re.compile(r"[A-Z]{2}[1-5]\d{12}")  # object type, benefit level, province, 10-digit BHXH number
_BHYT_NEW = re.compile(r"\d{10}")  # since 2025 the card number is the 10-digit social-insurance number
_NATIONAL_ID = re.compile(r"(?=.{12}$)\*{0,6}\d{6,12}|\d{9}")  # the mask is a prefix of up to 6 stars
_NATIONAL_DATE = re.compile(r"(\d{4})-(\d{2}|\*\*)-(\d{2}|\*\*)")
_HEX = re.compile(r"(?:[0-9a-fA-F]{2})+")
# UTF-8 read as Windows-1252/Latin-1 ("Nguyá»…n", "Ã¡"): a lead byte letter followed by a continuation sign.
_MOJIBAKE = re.compile(
    "[ÂÃÄÅÆáºâ][\u0080-\u00bf\u0152\u0153\u0160\u0161\u0178\u017d\u017e\u0192\u02c6\u02dc\u2013-\u203a\u20ac\u2122]"
)
# Scanners set to "transmit symbology identifier" prefix the payload with ]Q1 (QR) or ]d2 (Data Matrix).
_AIM_PREFIX = re.compile(r"^\][Qd][0-9]")
# Control characters (NUL among them: PostgreSQL text cannot hold it) and lone surrogates (not text at all).
_CONTROL = re.compile(r"[\x00-\x08\x0b-\x1f\x7f-\x9f\ud800-\udfff]")
# A diacritic letter lost by a keyboard-wedge scanner on a US layout shows up as "?" inside a word.
_LOST_LETTER = re.compile(r"\w\?|\?\w")


class ParseError(Invalid):
    """A payload that cannot be read; `code` says why (empty, truncated, bad_date, ...)."""

    def __init__(self, error_code: str, msgid: str, /, **params):
        super().__init__(translate(msgid, params), code=error_code, field="payload")


@dataclass(frozen=True)
class ParsedDocument:
    """What a scanned payload says about a person. Empty strings / None where the payload is silent."""

    kind: str
    id_number: str = ""  # 12 digits; for a national QR the first 6 may be "*"
    id_masked: bool = False
    old_id_number: str = ""  # 9-digit CMND
    full_name: str = ""
    birth_date: date | None = None
    birth_year: int | None = None
    birth_masked: tuple[str, ...] = ()  # which of ("day", "month") the payload hid
    sex: str = ""  # "M", "F" or ""
    address: str = ""
    issued_on: date | None = None
    bhyt_code: str = ""
    social_insurance_number: str = ""  # 10 digits, stable across BHYT card renewals
    bhyt_facility: str = ""
    bhyt_valid_from: date | None = None
    bhyt_valid_to: date | None = None
    phone: str = ""
    qid: str = ""
    extra: tuple[str, ...] = ()
    person_public_id: str = ""
    qr_generation: int | None = None
    warnings: tuple[str, ...] = ()

    def as_dict(self) -> dict:
        out = asdict(self)
        for key, value in out.items():
            if isinstance(value, date):
                out[key] = value.isoformat()
            elif isinstance(value, tuple):
                out[key] = list(value)
        return out


def parse_payload(text: str, *, today: date | None = None) -> ParsedDocument:
    """Recognise a payload by its shape and parse it; ParseError for anything unreadable."""
    try:
        return _dispatch(text, today or date.today())
    except ParseError:
        raise
    except IdNumberError as exc:
        raise ParseError(exc.code, "%(reason)s", reason=exc.message) from exc
    except Exception as exc:  # noqa: BLE001 - the contract: a scan never crashes the station
        raise ParseError("unreadable", gettext_noop("The code could not be read; scan it again.")) from exc


def _dispatch(text: str, today: date) -> ParsedDocument:
    if not isinstance(text, str):
        raise ParseError("empty", gettext_noop("The scan is empty."))
    if len(text) > MAX_PAYLOAD:
        raise ParseError(
            "too_long",
            gettext_noop("The scan is %(length)s characters long; no identity code is longer than %(max)s."),
            length=len(text),
            max=MAX_PAYLOAD,
        )
    text = _AIM_PREFIX.sub("", text.strip().lstrip("\ufeff").strip(), count=1)
    if not text:
        raise ParseError("empty", gettext_noop("The scan is empty."))
    if text.startswith(EPIQR_PREFIX):
        return parse_epiqr(text)
    _check_not_mangled(text)
    fields = text.split("|")
    head = fields[0].strip()
    if text.endswith("$") or _BHYT_OLD.fullmatch(head) or (_BHYT_NEW.fullmatch(head) and len(fields) > 1):
        return parse_bhyt(text, today=today)
    if len(fields) >= 3 and (_NATIONAL_DATE.fullmatch(fields[2].strip()) or "*" in head):
        return parse_national_qr(text, today=today)
    if _DIGITS.fullmatch(head) and len(head) in (9, 12):
        return _cccd(fields, today)  # the text is checked above
    if _DIGITS.fullmatch(head) and len(fields) == 1:
        raise ParseError(
            "truncated",
            gettext_noop("Only %(length)s digits were read: the scan was cut off."),
            length=len(head),
        )
    raise ParseError(
        "unknown_format",
        gettext_noop("This is not a CCCD, BHYT, national or EpiQR personal code."),
    )


# ---------------------------------------------------------------------------------------------- CCCD


def parse_cccd(text: str, *, today: date | None = None) -> ParsedDocument:
    """Chip ID card QR: number|old CMND|Full Name|DDMMYYYY|Nam/Nữ|address|issue date[|more fields (2024)]."""
    today = today or date.today()
    _check_not_mangled(text)
    return _cccd(text.split("|"), today)


def _cccd(raw_fields: list[str], today: date) -> ParsedDocument:
    fields = [f.strip() for f in raw_fields]
    if len(fields) < CCCD_MIN_FIELDS:
        raise ParseError(
            "truncated",
            gettext_noop(
                "Only %(count)s of the %(expected)s fields of a CCCD code were read: the scan was cut off."
            ),
            count=len(fields),
            expected=CCCD_MIN_FIELDS,
        )
    number, old, name, born, sex_text, address, issued = fields[:7]
    if len(fields) == CCCD_MIN_FIELDS and issued and _DIGITS.fullmatch(issued) and len(issued) < 8:
        raise ParseError("truncated", gettext_noop("The issue date was cut off: scan the card again."))
    if not (_DIGITS.fullmatch(number) and len(number) == 12):
        raise ParseError("bad_id_number", gettext_noop("A CCCD number has exactly 12 digits."))
    if old and not (_DIGITS.fullmatch(old) and len(old) in (9, 12)):
        raise ParseError("bad_id_number", gettext_noop("The old ID number (CMND) must have 9 digits."))
    name = _clean_name(name)
    birth_date, birth_year, masked = _cccd_birth(born, today)
    sex = _sex_from_word(sex_text)
    issued_on = _ddmmyyyy(issued, what="issue", today=today) if issued else None
    if issued_on and birth_date and issued_on < birth_date:
        raise ParseError("bad_date", gettext_noop("The card says it was issued before its holder was born."))
    id_number_check(number, birth_year=birth_year, sex=sex)
    _check_lost_letters(address)
    return ParsedDocument(
        kind=KIND_CCCD,
        id_number=number,
        old_id_number=old if len(old) == 9 else "",
        full_name=name,
        birth_date=birth_date,
        birth_year=birth_year,
        birth_masked=masked,
        sex=sex,
        address=" ".join(address.split()),
        issued_on=issued_on,
        extra=tuple(fields[7:]),
    )


def _cccd_birth(text: str, today: date) -> tuple[date | None, int, tuple[str, ...]]:
    """DDMMYYYY; people with an unknown birth day carry "0000YYYY", "00MMYYYY" or just "YYYY"."""
    if _DIGITS.fullmatch(text or "") and len(text) == 4:
        return None, _year(int(text), today), ("day", "month")
    if not (_DIGITS.fullmatch(text or "") and len(text) == 8):
        raise ParseError(
            "bad_date",
            gettext_noop("The date of birth %(value)s is not in the form DDMMYYYY."),
            value=text[:12],
        )
    day, month, year = int(text[:2]), int(text[2:4]), int(text[4:])
    if day == 0 and month == 0:
        return None, _year(year, today), ("day", "month")
    if day == 0:
        if not 1 <= month <= 12:
            raise _impossible(text)
        return None, _year(year, today), ("day",)
    born = _ddmmyyyy(text, what="birth", today=today)
    return born, born.year, ()


def _year(year: int, today: date) -> int:
    if not EARLIEST_BIRTH.year <= year <= today.year:
        raise ParseError("bad_date", gettext_noop("The birth year %(year)s is impossible."), year=year)
    return year


def _ddmmyyyy(text: str, *, what: str, today: date) -> date:
    if not (_DIGITS.fullmatch(text) and len(text) == 8):
        raise ParseError(
            "bad_date", gettext_noop("The date %(value)s is not in the form DDMMYYYY."), value=text[:12]
        )
    return _date(int(text[4:]), int(text[2:4]), int(text[:2]), raw=text, what=what, today=today)


def _date(year: int, month: int, day: int, *, raw: str, what: str, today: date) -> date:
    try:
        value = date(year, month, day)
    except ValueError:
        raise _impossible(raw) from None
    # one day of slack: the card's local date can be ahead of the server's UTC date
    if value > today + timedelta(days=1):
        raise ParseError("bad_date", gettext_noop("The date %(value)s is in the future."), value=raw)
    if what == "birth" and value < EARLIEST_BIRTH:
        raise _impossible(raw)
    return value


def _impossible(raw: str) -> ParseError:
    return ParseError("bad_date", gettext_noop("The date %(value)s does not exist."), value=raw[:12])


def _sex_from_word(text: str) -> str:
    word = text.strip().lower()
    if word in ("nam", "male", "m"):
        return "M"
    if word in ("nữ", "nu", "nư", "female", "f"):
        return "F"
    if "?" in word or word in ("n", "n "):
        raise _mangled()
    raise ParseError("bad_sex", gettext_noop("The sex field says %(value)s, not Nam or Nữ."), value=text[:10])


# ---------------------------------------------------------------------------------------------- BHYT


def parse_bhyt(text: str, *, today: date | None = None) -> ParsedDocument:
    """Health-insurance card QR: code|name(hex)|birth|sex 1/2|address(hex)|facility|from|to|issued|...|$."""
    today = today or date.today()
    text = text.strip()
    if not text.endswith("$"):
        raise ParseError(
            "truncated", gettext_noop("The BHYT code does not end with $: the scan was cut off.")
        )
    fields = [f.strip() for f in text[:-1].split("|")]
    if fields and fields[-1] == "":
        fields.pop()  # "...|$": the terminator sits in a field of its own
    if len(fields) < BHYT_MIN_FIELDS:
        raise ParseError(
            "field_count",
            gettext_noop("A BHYT code has at least %(expected)s fields; this one has %(count)s."),
            expected=BHYT_MIN_FIELDS,
            count=len(fields),
        )
    code = fields[0].upper()
    if _BHYT_OLD.fullmatch(code):
        insurance_number = code[5:]
    elif _BHYT_NEW.fullmatch(code):
        insurance_number = code
    else:
        raise ParseError(
            "bad_bhyt_code",
            gettext_noop(
                "%(code)s is not a BHYT card number (15 characters, or the 10-digit social-insurance number)."
            ),
            code=code[:20],
        )
    warnings: list[str] = []
    name, fell_back = _hex_text(fields[1])
    if fell_back:
        warnings.append("name_not_hex")
    address, fell_back = _hex_text(fields[4])
    if fell_back:
        warnings.append("address_not_hex")
    name = _clean_name(name)
    _check_lost_letters(address)
    birth_date, birth_year, masked = _slash_birth(fields[2], today)
    sex = {"1": "M", "2": "F"}.get(fields[3])
    if sex is None:
        raise ParseError(
            "bad_sex",
            gettext_noop("The sex field of a BHYT code is 1 or 2, not %(value)s."),
            value=fields[3][:5],
        )
    valid_from = _slash_date(fields[6], today=None) if fields[6] not in ("", "-") else None
    valid_to = _slash_date(fields[7], today=None) if fields[7] not in ("", "-") else None
    issued = _slash_date(fields[8], today=today) if fields[8] not in ("", "-") else None
    if valid_from and valid_to and valid_to < valid_from:
        raise ParseError("bad_date", gettext_noop("The card is valid until a date before it starts."))
    return ParsedDocument(
        kind=KIND_BHYT,
        full_name=name,
        birth_date=birth_date,
        birth_year=birth_year,
        birth_masked=masked,
        sex=sex,
        address=address,
        issued_on=issued,
        bhyt_code=code,
        social_insurance_number=insurance_number,
        bhyt_facility=fields[5],
        bhyt_valid_from=valid_from,
        bhyt_valid_to=valid_to,
        extra=tuple(fields[9:]),
        warnings=tuple(warnings),
    )


def _hex_text(field: str) -> tuple[str, bool]:
    """Decode a hex-encoded UTF-8 field; a field that is not valid hex is taken as printed (True)."""
    if _HEX.fullmatch(field):
        try:
            text = field and bytes.fromhex(field).decode("utf-8")
        except UnicodeDecodeError:
            pass
        else:
            _check_not_mangled(text)  # the hex may hide what the payload itself may not carry (a NUL)
            return text, False
    _check_not_mangled(field)
    return field, True


def _slash_birth(text: str, today: date) -> tuple[date | None, int, tuple[str, ...]]:
    if _DIGITS.fullmatch(text) and len(text) == 4:
        return None, _year(int(text), today), ("day", "month")
    born = _slash_date(text, today=today, what="birth")
    return born, born.year, ()


def _slash_date(text: str, *, today: date | None, what: str = "") -> date:
    match = re.fullmatch(r"(\d{1,2})/(\d{1,2})/(\d{4})", text)
    if not match:
        raise ParseError(
            "bad_date", gettext_noop("The date %(value)s is not in the form DD/MM/YYYY."), value=text[:12]
        )
    day, month, year = (int(g) for g in match.groups())
    return _date(year, month, day, raw=text, what=what, today=today or date.max - timedelta(days=1))


# ----------------------------------------------------------------------------------- national 2021 QR


def parse_national_qr(text: str, *, today: date | None = None) -> ParsedDocument:
    """2021 national personal QR: ID (first 6 may be *)|NAME|YYYY-MM-DD (day/month may be **)|0/1|QID|EXT."""
    today = today or date.today()
    _check_not_mangled(text)
    fields = [f.strip() for f in text.strip().split("|")]
    if len(fields) < NATIONAL_FIELDS:
        raise ParseError(
            "truncated",
            gettext_noop(
                "Only %(count)s of the %(expected)s fields of a national QR code were read: the scan was cut off."
            ),
            count=len(fields),
            expected=NATIONAL_FIELDS,
        )
    if len(fields) > NATIONAL_FIELDS:
        raise ParseError(
            "field_count",
            gettext_noop("A national QR code has %(expected)s fields; this one has %(count)s."),
            expected=NATIONAL_FIELDS,
            count=len(fields),
        )
    number, name, born, sex_code, qid, ext = fields
    if len(qid) > QID_MAX:
        raise ParseError(
            "bad_qid",
            gettext_noop(
                "The QR id of a national QR code has at most %(max)s characters: the scan is damaged."
            ),
            max=QID_MAX,
        )
    if not _NATIONAL_ID.fullmatch(number):
        raise ParseError(
            "bad_id_number",
            gettext_noop(
                "The ID field must be 12 digits (the first 6 may be hidden with *) or a 9-digit CMND."
            ),
        )
    match = _NATIONAL_DATE.fullmatch(born)
    if not match:
        raise ParseError(
            "bad_date",
            gettext_noop("The date of birth %(value)s is not in the form YYYY-MM-DD."),
            value=born[:12],
        )
    year = _year(int(match.group(1)), today)
    masked = tuple(part for part, group in (("day", 3), ("month", 2)) if "*" in match.group(group))
    birth_date = None
    if not masked:
        birth_date = _date(
            year, int(match.group(2)), int(match.group(3)), raw=born, what="birth", today=today
        )
    elif "day" in masked and "month" not in masked and not 1 <= int(match.group(2)) <= 12:
        raise _impossible(born)
    # 1 = male, 0 = female, as the 2021 anti-epidemic apps encoded it.
    sex = {"1": "M", "0": "F"}.get(sex_code)
    if sex is None:
        raise ParseError(
            "bad_sex",
            gettext_noop("The sex field of a national QR code is 0 or 1, not %(value)s."),
            value=sex_code[:5],
        )
    name = _clean_name(name)
    id_masked = "*" in number
    old = ""
    if len(number) == 9:
        number, old = "", number
    elif id_masked:
        _check_partial_id(number, birth_year=year, sex=sex)
    else:
        id_number_check(number, birth_year=year, sex=sex)
    extra = tuple(part.strip() for part in ext.split("<")) if ext else ()
    phone = next((_phone_or_blank(part) for part in extra if _phone_or_blank(part)), "")
    return ParsedDocument(
        kind=KIND_NATIONAL,
        id_number=number,
        id_masked=id_masked,
        old_id_number=old,
        full_name=name,
        birth_date=birth_date,
        birth_year=year,
        birth_masked=masked,
        sex=sex,
        phone=phone,
        qid=qid,
        extra=extra,
    )


def _check_partial_id(number: str, *, birth_year: int, sex: str) -> None:
    """Check the visible digits of a masked ID against the date of birth and sex."""
    visible = {i: c for i, c in enumerate(number) if c != "*"}
    if all(i in visible for i in range(3)):
        full = "".join(visible[i] for i in range(3)) + "0" * 9
        id_number_read(full)  # province code
    if 3 in visible:
        digit = int(visible[3])
        if (digit % 2 == 1) != (sex == "F") or 1900 + digit // 2 * 100 != birth_year // 100 * 100:
            raise ParseError(
                "century_mismatch",
                gettext_noop("The 4th digit of the ID does not match the date of birth or sex."),
            )
    if 4 in visible and 5 in visible and int(visible[4] + visible[5]) != birth_year % 100:
        raise ParseError(
            "birth_year_mismatch", gettext_noop("Digits 5-6 of the ID do not match the year of birth.")
        )


def _phone_or_blank(text: str) -> str:
    try:
        return normalise_phone(text)
    except PhoneError:
        return ""


# ------------------------------------------------------------------------------------- EpiQR personal


def parse_epiqr(text: str) -> ParsedDocument:
    """EpiQR's signed personal QR; a forged or altered code is refused without any database read."""
    text = text.strip()
    try:
        claim = personal_qr_read(text)
    except signing.BadSignature as exc:
        raise ParseError(
            "bad_signature",
            gettext_noop("This personal QR code was not issued by EpiQR or has been altered."),
        ) from exc
    return ParsedDocument(
        kind=KIND_EPIQR,
        full_name=claim.ascii_name,
        birth_year=claim.birth_year,
        person_public_id=claim.public_id,
        qr_generation=claim.generation,
    )


# ------------------------------------------------------------------------------------------ shared


def _mangled() -> ParseError:
    return ParseError(
        "mangled_text",
        gettext_noop(
            "The scanner garbled the Vietnamese letters (wrong keyboard layout or encoding). "
            "Set the scanner to UTF-8 / Unicode keyboard mode, or use the camera."
        ),
    )


def _check_not_mangled(text: str) -> None:
    if "\ufffd" in text or _CONTROL.search(text) or _MOJIBAKE.search(text):
        raise _mangled()


def _check_lost_letters(text: str) -> None:
    if _LOST_LETTER.search(text):
        raise _mangled()


def _clean_name(name: str) -> str:
    name = " ".join(name.split())
    if not name:
        raise ParseError("missing_name", gettext_noop("The code carries no name."))
    _check_lost_letters(name)
    if len(name) <= NAME_MAX and LENGTH_KEEPING.issuperset(name):
        return name  # letters and spaces only (no digit), and stored or folded it stays within NAME_MAX
    if any(c.isdigit() for c in name):
        raise ParseError(
            "bad_name", gettext_noop("The name field contains digits: the fields are out of order.")
        )
    stored = normalise_name(name)
    if len(stored) > NAME_MAX or len(fold(stored)) > NAME_MAX:
        raise ParseError(
            "name_too_long",
            gettext_noop("The name is longer than %(max)s characters: the fields are out of order."),
            max=NAME_MAX,
        )
    return name
