"""The 12-digit personal identification number (số định danh cá nhân) printed on CCCD cards.

Structure (Circular 07/2016/TT-BCA): PPP C YY NNNNNN
- PPP: code of the province where the birth was registered (the 63 provinces before the 2025 merger);
- C: century and sex: 0/1 = born 1900-1999 male/female, 2/3 = 2000s, 4/5 = 2100s, 6/7 = 2200s, 8/9 = 2300s;
- YY: the last two digits of the year of birth;
- NNNNNN: a random serial.
Pure module: no Django, no database.
"""

from dataclasses import dataclass

from epiqr.core.errors import Invalid

from .messages import gettext_noop, translate

# Circular 07/2016/TT-BCA, appendix: birth-registration province codes (pre-2025 provinces).
PROVINCE_CODES: dict[str, str] = {
    "001": "Hà Nội",
    "002": "Hà Giang",
    "004": "Cao Bằng",
    "006": "Bắc Kạn",
    "008": "Tuyên Quang",
    "010": "Lào Cai",
    "011": "Điện Biên",
    "012": "Lai Châu",
    "014": "Sơn La",
    "015": "Yên Bái",
    "017": "Hòa Bình",
    "019": "Thái Nguyên",
    "020": "Lạng Sơn",
    "022": "Quảng Ninh",
    "024": "Bắc Giang",
    "025": "Phú Thọ",
    "026": "Vĩnh Phúc",
    "027": "Bắc Ninh",
    "030": "Hải Dương",
    "031": "Hải Phòng",
    "033": "Hưng Yên",
    "034": "Thái Bình",
    "035": "Hà Nam",
    "036": "Nam Định",
    "037": "Ninh Bình",
    "038": "Thanh Hóa",
    "040": "Nghệ An",
    "042": "Hà Tĩnh",
    "044": "Quảng Bình",
    "045": "Quảng Trị",
    "046": "Thừa Thiên Huế",
    "048": "Đà Nẵng",
    "049": "Quảng Nam",
    "051": "Quảng Ngãi",
    "052": "Bình Định",
    "054": "Phú Yên",
    "056": "Khánh Hòa",
    "058": "Ninh Thuận",
    "060": "Bình Thuận",
    "062": "Kon Tum",
    "064": "Gia Lai",
    "066": "Đắk Lắk",
    "067": "Đắk Nông",
    "068": "Lâm Đồng",
    "070": "Bình Phước",
    "072": "Tây Ninh",
    "074": "Bình Dương",
    "075": "Đồng Nai",
    "077": "Bà Rịa - Vũng Tàu",
    "079": "Hồ Chí Minh",
    "080": "Long An",
    "082": "Tiền Giang",
    "083": "Bến Tre",
    "084": "Trà Vinh",
    "086": "Vĩnh Long",
    "087": "Đồng Tháp",
    "089": "An Giang",
    "091": "Kiên Giang",
    "092": "Cần Thơ",
    "093": "Hậu Giang",
    "094": "Sóc Trăng",
    "095": "Bạc Liêu",
    "096": "Cà Mau",
}

FIRST_CENTURY = 1900  # code 0/1
LAST_YEAR = 2399  # code 8/9 covers the 2300s


class IdNumberError(Invalid):
    """A 12-digit ID number that cannot be right; `code` names the rule it breaks (API: 422)."""

    def __init__(self, error_code: str, msgid: str, /, **params):
        super().__init__(translate(msgid, params), code=error_code, field="id_number")


@dataclass(frozen=True)
class IdNumberInfo:
    number: str
    province_code: str
    province_name: str
    century_start: int  # 1900, 2000, ...
    sex: str  # "M" or "F"
    year_suffix: int  # last two digits of the birth year

    def birth_year_candidates(self) -> range:
        return range(self.century_start, self.century_start + 100)

    @property
    def birth_year(self) -> int:
        return self.century_start + self.year_suffix


def century_sex_digit(*, birth_year: int, sex: str) -> int:
    """The 4th digit for a birth year and sex ("M"/"F")."""
    if not FIRST_CENTURY <= birth_year <= LAST_YEAR:
        raise IdNumberError(
            "bad_century",
            gettext_noop("Birth year %(year)s is outside what an ID number can encode."),
            year=birth_year,
        )
    return (birth_year - FIRST_CENTURY) // 100 * 2 + (1 if sex == "F" else 0)


def id_number_read(number: str) -> IdNumberInfo:
    """Decode the structure of a 12-digit number, or raise IdNumberError (format or province)."""
    if len(number) != 12 or not number.isascii() or not number.isdigit():
        raise IdNumberError("bad_id_number", gettext_noop("An ID number has exactly 12 digits."))
    province = number[:3]
    if province not in PROVINCE_CODES:
        raise IdNumberError(
            "bad_province_code",
            gettext_noop("ID number %(number)s starts with %(code)s, which is not a province code."),
            number=number,
            code=province,
        )
    digit = int(number[3])
    return IdNumberInfo(
        number=number,
        province_code=province,
        province_name=PROVINCE_CODES[province],
        century_start=FIRST_CENTURY + digit // 2 * 100,
        sex="F" if digit % 2 else "M",
        year_suffix=int(number[4:6]),
    )


def id_number_check(number: str, *, birth_year: int | None = None, sex: str = "") -> IdNumberInfo:
    """Validate a 12-digit number, and its consistency with the birth year and sex printed beside it."""
    info = id_number_read(number)
    if birth_year is not None:
        if info.birth_year != birth_year:
            if info.year_suffix == birth_year % 100:
                raise IdNumberError(
                    "century_mismatch",
                    gettext_noop(
                        "The 4th digit of ID number %(number)s says born in the %(century)ss, "
                        "but the card says %(year)s."
                    ),
                    number=number,
                    century=info.century_start,
                    year=birth_year,
                )
            raise IdNumberError(
                "birth_year_mismatch",
                gettext_noop(
                    "Digits 5-6 of ID number %(number)s say born in ..%(suffix)02d, but the card says %(year)s."
                ),
                number=number,
                suffix=info.year_suffix,
                year=birth_year,
            )
    if sex in ("M", "F") and sex != info.sex:
        raise IdNumberError(
            "sex_mismatch",
            gettext_noop("The 4th digit of ID number %(number)s does not match the sex on the card."),
            number=number,
        )
    return info


def id_number_make(*, province_code: str, birth_year: int, sex: str, serial: int) -> str:
    """Build a valid-looking number (demo data and tests only: made-up people)."""
    if province_code not in PROVINCE_CODES:
        raise IdNumberError(
            "bad_province_code", gettext_noop("Unknown province code %(code)s."), code=province_code
        )
    digit = century_sex_digit(birth_year=birth_year, sex=sex)
    return f"{province_code}{digit}{birth_year % 100:02d}{serial % 1_000_000:06d}"
