"""Vietnamese phone numbers, stored in the national form "0912345678".

Accepts what people type or scanners send: spaces, dots, dashes, brackets, "+84"/"84"/"0084" prefixes, and
the old 11-digit mobile numbers renumbered in 2018 (0168... -> 038...). Pure module: no Django.
"""

import re

from epiqr.core.errors import Invalid

from .messages import gettext_noop, translate

MOBILE_PREFIXES = ("03", "05", "07", "08", "09")
LANDLINE_PREFIX = "02"  # 3-digit area code (024 Hà Nội, 028 Hồ Chí Minh, ...) + 8 digits

# The 2018 move of 11-digit mobile numbers to 10 digits: old 4-digit prefix -> new 3-digit prefix.
RENUMBERED_2018 = {
    **{f"016{d}": f"03{d}" for d in "23456789"},  # Viettel 0162-0169 -> 032-039
    "0120": "070",
    "0121": "079",
    "0122": "077",
    "0126": "076",
    "0128": "078",  # MobiFone
    "0123": "083",
    "0124": "084",
    "0125": "085",
    "0127": "081",
    "0129": "082",  # VinaPhone
    "0186": "056",
    "0188": "058",  # Vietnamobile
    "0199": "059",  # Gmobile
}

_SEPARATORS = re.compile(r"[\s.\-()/]+")


class PhoneError(Invalid):
    code = "bad_phone"

    def __init__(self, msgid: str, **params):
        super().__init__(translate(msgid, params), code="bad_phone", field="phone")


def normalise_phone(text: str, *, optional: bool = False) -> str:
    """The national 10-digit (mobile) or 11-digit (landline) form, or PhoneError. The one phone rule of
    EpiQR (people, venues, their owners): with `optional`, a blank number is "" instead of an error."""
    raw = _SEPARATORS.sub("", (text or "").strip())
    if not raw:
        if optional:
            return ""
        raise PhoneError(gettext_noop("Enter a phone number."))
    if raw.startswith("+"):
        raw = raw[1:]
        if not raw.startswith("84"):
            raise PhoneError(gettext_noop("Only Vietnamese numbers (+84) are accepted."))
    if not raw.isascii() or not raw.isdigit():
        raise PhoneError(gettext_noop("A phone number has digits only."))
    if raw.startswith("0084"):
        raw = "0" + raw[4:]
    elif raw.startswith("840") and len(raw) in (12, 13):
        raw = raw[2:]  # "+84 0912 ...": the country code written before the national form
    elif raw.startswith("84") and len(raw) in (11, 12):
        raw = "0" + raw[2:]
    elif not raw.startswith("0") and len(raw) in (9, 10):
        raw = "0" + raw  # "912345678": the leading zero dropped by a spreadsheet
    if len(raw) == 11 and raw[:4] in RENUMBERED_2018:
        raw = RENUMBERED_2018[raw[:4]] + raw[4:]
    if len(raw) == 10 and raw[:2] in MOBILE_PREFIXES:
        return raw
    if len(raw) == 11 and raw.startswith(LANDLINE_PREFIX):
        return raw
    raise PhoneError(
        gettext_noop("%(phone)s is not a Vietnamese phone number (10-digit mobile or 11-digit landline)."),
        phone=text.strip()[:20],
    )


def looks_like_phone(text: str) -> bool:
    try:
        normalise_phone(text)
    except PhoneError:
        return False
    return True
