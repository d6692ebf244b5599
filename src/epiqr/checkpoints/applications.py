"""One permit application as an organisation writes it (a form or a spreadsheet row), checked and cleaned.

`application_clean` takes what was typed (text, or the dates and numbers Excel gives) and returns the
fields of a Permit plus every problem found, each as a sentence for the per-row report. Areas are
provinces or communes by name or code, separated by ";"; an ID may be typed or scanned (the text of a
CCCD's QR, which also fills the name).
"""

from __future__ import annotations

import re
import unicodedata
from dataclasses import dataclass, field
from datetime import date, datetime, timedelta

from django.utils import translation
from django.utils.translation import gettext as _

from epiqr.core.text import ascii_upper, fold, normalise_name
from epiqr.geo.models import Province
from epiqr.people.idnumber import IdNumberError, id_number_read
from epiqr.people.parsers import ParseError, parse_payload
from epiqr.people.phones import PhoneError, normalise_phone
from epiqr.venues.importing import CommuneResolver

from .models import Purpose
from .schedule import ScheduleError, hours_parse, weekdays_parse

MAX_DAYS = 60  # the longest a permit runs: Hà Nội issued them per distancing period (two to four weeks)
NAME_MAX = 120
_PASSPORT = re.compile(r"[A-Z][0-9]{7,8}|[A-Z0-9]{6,12}")
_PLATE = re.compile(r"[0-9]{2}[A-Z][A-Z0-9]{3,9}")
_DATE_FORMATS = ("%d/%m/%Y", "%Y-%m-%d", "%d-%m-%Y", "%d.%m.%Y", "%d/%m/%y")


@dataclass
class Application:
    holder_id_number: str = ""
    holder_name: str = ""
    holder_phone: str = ""
    holder_email: str = ""
    purpose: int | None = None
    valid_from: date | None = None
    valid_until: date | None = None
    weekdays: int = 127
    start_minute: int = 0
    end_minute: int = 1440
    area_provinces: list[int] = field(default_factory=list)
    area_communes: list[int] = field(default_factory=list)
    plate: str = ""

    def fields(self) -> dict:
        return dict(self.__dict__)


def cell(value) -> str:
    if value is None:
        return ""
    if isinstance(value, float) and value.is_integer():
        return str(int(value))
    return unicodedata.normalize("NFC", str(value)).strip()


def _date(value, what: str, errors: list[str]) -> date | None:
    if isinstance(value, datetime):
        return value.date()
    if isinstance(value, date):
        return value
    text = cell(value)
    if not text:
        errors.append(_("%(what)s is missing.") % {"what": what})
        return None
    for fmt in _DATE_FORMATS:
        try:
            return datetime.strptime(text[:20], fmt).date()
        except ValueError:
            continue
    errors.append(
        _('Cannot read the %(what)s "%(v)s"; write it as 31/12/2026.') % {"what": what, "v": text[:40]}
    )
    return None


def purpose_from_text(value) -> int | None:
    """A purpose by its number, its label (Vietnamese or English, or its start), or "N - label" as the
    template's drop-down writes it."""
    text = cell(value)
    head = text.split(" - ", 1)[0].strip()
    if head.isdigit() and len(head) < 4:
        text = head
    if text.isdigit():
        number = int(text)
        return number if number in Purpose.values else None
    folded = fold(text)
    if not folded:
        return None
    for language in ("vi", "en"):
        with translation.override(language):
            for number, label in Purpose.choices:
                if folded == fold(str(label)) or fold(str(label)).startswith(folded):
                    return number
    return None


def id_from_text(text: str, errors: list[str]) -> tuple[str, str]:
    """(ID number, name read from a scanned card or "") from what was typed or scanned."""
    text = cell(text)
    if "|" in text:
        try:
            doc = parse_payload(text)
        except ParseError as exc:
            errors.append(exc.message)
            return "", ""
        number = doc.id_number if doc.id_number and not doc.id_masked else doc.old_id_number
        if not number:
            errors.append(_("The scanned code carries no ID number; type the number instead."))
        return number, doc.full_name
    compact = re.sub(r"[\s.\-]", "", text).upper()
    if not compact:
        errors.append(_("ID number is missing."))
        return "", ""
    if compact.isascii() and compact.isdigit():
        if len(compact) == 12:
            try:
                id_number_read(compact)
            except IdNumberError as exc:
                errors.append(exc.message)
                return "", ""
            return compact, ""
        if len(compact) == 9:
            return compact, ""
        errors.append(
            _("An ID number has 12 digits (CCCD) or 9 (old CMND); %(n)s were given.") % {"n": len(compact)}
        )
        return "", ""
    if compact.isascii() and _PASSPORT.fullmatch(compact) and any(c.isalpha() for c in compact):
        return compact, ""
    errors.append(
        _("Cannot read the ID number %(v)s: a CCCD, a CMND or a passport number.") % {"v": text[:30]}
    )
    return "", ""


class AreaResolver:
    """Provinces and communes by name or code for one form or import (the commune table read once)."""

    def __init__(self) -> None:
        self.communes = CommuneResolver()
        self._provinces: dict[str, int] | None = None

    def province(self, folded: str) -> int | None:
        if self._provinces is None:
            self._provinces = {}
            for p in Province.objects.all():
                for key in (p.name_folded, re.sub(r"^(thanh pho|tinh) ", "", p.name_folded)):
                    self._provinces[key] = p.code
        bare = re.sub(r"^(thanh pho|tinh|tp\.?) ", "", folded)
        return self._provinces.get(folded) or self._provinces.get(bare)

    def resolve(self, text, errors: list[str]) -> tuple[list[int], list[int]]:
        provinces: list[int] = []
        communes: list[int] = []
        for part in re.split(r"[;\n]+", cell(text)):
            part = part.strip()
            if not part:
                continue
            code = self.province(fold(part))
            if code is not None:
                provinces.append(code)
                continue
            try:
                communes.append(self.communes.resolve(part).code)
            except ValueError as exc:
                errors.append(str(exc))
        if not provinces and not communes and not errors:
            errors.append(_("Give the area: provinces or communes, separated by ';'."))
        if len(provinces) + len(communes) > 20:
            errors.append(_("At most 20 provinces or communes per permit."))
        return sorted(set(provinces)), sorted(set(communes))


def plate_clean(text) -> tuple[str, str | None]:
    plate = re.sub(r"[\s.\-]", "", cell(text)).upper()
    if not plate:
        return "", None
    if not plate.isascii() or not _PLATE.fullmatch(plate) or len(plate) > 12:
        return "", _('Cannot read the plate "%(v)s"; write it as 29A-123.45.') % {"v": cell(text)[:20]}
    return plate, None


def application_clean(raw: dict, *, today: date, areas: AreaResolver) -> tuple[Application, list[str]]:
    """The application a form or row describes, and every problem in it (empty: it can be stored).

    `raw` keys: id_number, full_name, phone, email, purpose, valid_from, valid_until, weekdays, hours
    (or start_minute/end_minute from a form), area (or area_provinces/area_communes), plate."""
    errors: list[str] = []
    out = Application()
    out.holder_id_number, scanned_name = id_from_text(raw.get("id_number"), errors)
    name = normalise_name(cell(raw.get("full_name")) or scanned_name)
    if not name:
        errors.append(_("Full name is missing."))
    elif len(name) > NAME_MAX or not re.search(r"[^\W\d_]", name):
        errors.append(_("The full name cannot be read."))
    out.holder_name = name[:NAME_MAX]
    phone = cell(raw.get("phone"))
    if phone:
        try:
            out.holder_phone = normalise_phone(phone)
        except PhoneError as exc:
            errors.append(exc.message)
    email = cell(raw.get("email"))
    if email:
        from django.core.exceptions import ValidationError
        from django.core.validators import validate_email

        try:
            validate_email(email)
            out.holder_email = email[:254]
        except ValidationError:
            errors.append(_('"%(v)s" is not an email address.') % {"v": email[:60]})
    out.purpose = purpose_from_text(raw.get("purpose"))
    if out.purpose is None:
        errors.append(
            _('Unknown purpose "%(v)s"; write its number or name from the list.')
            % {"v": cell(raw.get("purpose"))[:40]}
        )
    out.valid_from = _date(raw.get("valid_from"), _("start date"), errors)
    out.valid_until = _date(raw.get("valid_until"), _("end date"), errors)
    if out.valid_from and out.valid_until:
        if out.valid_until < out.valid_from:
            errors.append(_("The end date is before the start date."))
        elif out.valid_until - out.valid_from >= timedelta(days=MAX_DAYS):
            errors.append(
                _("A permit runs at most %(n)s days; apply again for the next period.") % {"n": MAX_DAYS}
            )
        if out.valid_until < today:
            errors.append(_("The permit would already have ended."))
        elif out.valid_from < today - timedelta(days=1):
            errors.append(_("The start date is in the past."))
    if "weekdays_mask" in raw:
        out.weekdays = raw["weekdays_mask"]
        if not 0 < out.weekdays < 128:
            errors.append(_("Choose at least one weekday."))
    else:
        try:
            out.weekdays = weekdays_parse(cell(raw.get("weekdays")))
        except ScheduleError:
            errors.append(
                _('Cannot read the weekdays "%(v)s"; write them as T2-T6, T7, CN or "cả tuần".')
                % {"v": cell(raw.get("weekdays"))[:40]}
            )
    if "start_minute" in raw:
        out.start_minute, out.end_minute = raw["start_minute"], raw["end_minute"]
        if out.start_minute == out.end_minute and out.start_minute != 0:
            errors.append(_("The hours start and end at the same time."))
        if out.start_minute == out.end_minute:
            out.start_minute, out.end_minute = 0, 1440
    else:
        try:
            out.start_minute, out.end_minute = hours_parse(cell(raw.get("hours")))
        except ScheduleError:
            errors.append(
                _('Cannot read the hours "%(v)s"; write them as 06:00-22:00 or "cả ngày".')
                % {"v": cell(raw.get("hours"))[:40]}
            )
    if "area_provinces" in raw:
        out.area_provinces = sorted(set(raw["area_provinces"]))
        out.area_communes = sorted(set(raw["area_communes"]))
        if not out.area_provinces and not out.area_communes:
            errors.append(_("Give the area: provinces or communes, separated by ';'."))
    else:
        out.area_provinces, out.area_communes = areas.resolve(raw.get("area"), errors)
    out.plate, problem = plate_clean(raw.get("plate"))
    if problem:
        errors.append(problem)
    return out, errors


def ascii_name(full_name: str, limit: int = 30) -> str:
    """The name as the QR carries it: capitals A-Z and spaces, cut at a word when too long."""
    name = re.sub(r"[^A-Z ]+", " ", ascii_upper(full_name))
    name = re.sub(r"\s+", " ", name).strip()
    if len(name) <= limit:
        return name
    return name[:limit].rsplit(" ", 1)[0] if " " in name[:limit] else name[:limit]
