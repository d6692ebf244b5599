"""Reading venue sheets (.xlsx or .csv) into rows, and resolving what people write in them.

Headers are matched without diacritics or case, in Vietnamese or English ("Tên địa điểm", "ten",
"name"). A commune may be given by its official code or by its name, with or without diacritics and
with or without "Phường"/"Xã". Sector by its code or its Vietnamese or English label.
"""

import re

from django.utils import translation
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from epiqr.accounts.selectors import user_in_jurisdiction
from epiqr.core.errors import Invalid
from epiqr.core.export import Sheet, xlsx_bytes
from epiqr.core.sheets import cell_text, read_records
from epiqr.core.text import fold
from epiqr.core.timeutil import SHEET_FORMATS, parse_local
from epiqr.geo.models import Commune
from epiqr.geo.selectors import former_name_index
from epiqr.people.phones import normalise_phone

from .models import Sector

MAX_ROWS = 5000

# Columns of the template, in order: (field, Vietnamese header, English header, required).
COLUMNS = [
    ("name", "Tên địa điểm", "Name", True),
    ("sector", "Loại hình", "Sector", True),
    ("address", "Địa chỉ", "Address", True),
    ("commune", "Xã/phường (tên hoặc mã)", "Commune (name or code)", True),
    ("province", "Tỉnh/thành phố", "Province", False),
    ("phone", "Điện thoại", "Phone", False),
    ("capacity", "Sức chứa", "Capacity", False),
    ("starts_at", "Bắt đầu (sự kiện)", "Starts (event)", False),
    ("ends_at", "Kết thúc (sự kiện)", "Ends (event)", False),
]
_HEADER_ALIASES = {
    "name": ["ten dia diem", "ten", "ten co so", "name", "venue", "venue name"],
    "sector": ["loai hinh", "linh vuc", "nganh", "sector", "type"],
    "address": ["dia chi", "address"],
    "commune": [
        "xa/phuong (ten hoac ma)",
        "xa/phuong",
        "xa phuong",
        "xa",
        "phuong",
        "ma xa",
        "commune",
        "commune (name or code)",
        "ward",
    ],
    "province": ["tinh/thanh pho", "tinh", "thanh pho", "province"],
    "phone": ["dien thoai", "so dien thoai", "sdt", "phone", "telephone"],
    "capacity": ["suc chua", "capacity"],
    "starts_at": ["bat dau (su kien)", "bat dau", "starts (event)", "starts", "start"],
    "ends_at": ["ket thuc (su kien)", "ket thuc", "ends (event)", "ends", "end"],
}
_SECTOR_SYNONYMS = {
    "y te": Sector.HEALTH,
    "benh vien": Sector.HEALTH,
    "phong kham": Sector.HEALTH,
    "nha thuoc": Sector.HEALTH,
    "truong": Sector.SCHOOL,
    "truong hoc": Sector.SCHOOL,
    "khach san": Sector.LODGING,
    "nha nghi": Sector.LODGING,
    "luu tru": Sector.LODGING,
    "cho": Sector.RETAIL,
    "cua hang": Sector.RETAIL,
    "sieu thi": Sector.RETAIL,
    "trung tam thuong mai": Sector.RETAIL,
    "nha hang": Sector.FOOD,
    "quan an": Sector.FOOD,
    "ca phe": Sector.FOOD,
    "an uong": Sector.FOOD,
    "co quan": Sector.WORKPLACE,
    "van phong": Sector.WORKPLACE,
    "nha may": Sector.WORKPLACE,
    "doanh nghiep": Sector.WORKPLACE,
    "ben xe": Sector.TRANSPORT,
    "nha ga": Sector.TRANSPORT,
    "san bay": Sector.TRANSPORT,
    "chua": Sector.RELIGIOUS,
    "nha tho": Sector.RELIGIOUS,
    "ton giao": Sector.RELIGIOUS,
    "su kien": Sector.EVENT,
    "khac": Sector.OTHER,
}
_DIVISION_PREFIX = re.compile(r"^(phuong|xa|dac khu|thi tran|ward|commune)\s+")


def sector_from_text(text: str) -> str | None:
    """A Sector value from its code, its Vietnamese or English label, or a common word ("quán ăn")."""
    folded = fold(text)
    if not folded:
        return None
    for language in ("vi", "en"):
        with translation.override(language):
            for value, label in Sector.choices:
                if folded in (value, fold(str(label))):
                    return value
    return _SECTOR_SYNONYMS.get(folded)


def read_sheet(blob: bytes, *, filename: str = "") -> list[dict]:
    """Rows of an .xlsx or .csv file as dicts keyed by field, each with "_row" (1 = header row)."""
    records = read_records(
        blob,
        filename=filename,
        headers=_HEADER_ALIASES,
        required=[key for key, _vi, _en, required in COLUMNS if required],
        labels={key: vi for key, vi, _en, _required in COLUMNS},
        max_rows=MAX_ROWS,
    )
    return [{"_row": record.line, **record.values} for record in records]


class CommuneResolver:
    """Finds communes by code or name for one import, reading the commune table once."""

    def __init__(self, *, actor=None):
        self.actor = actor
        self._by_code: dict[int, Commune] | None = None
        self._former: dict[str, set[int]] | None = None

    def _load(self) -> None:
        qs = Commune.objects.select_related("province")
        self._by_code = {c.code: c for c in qs}
        self._by_name: dict[str, list[Commune]] = {}
        for c in self._by_code.values():
            for key in {c.name_folded, _DIVISION_PREFIX.sub("", c.name_folded)}:
                self._by_name.setdefault(key, []).append(c)

    def _by_former_name(self, folded: str) -> list[Commune]:
        """Communes that took a former commune of that name (before July 2025): a split one is ambiguous."""
        if self._former is None:
            self._former = former_name_index()
        codes = self._former.get(folded) or self._former.get(_DIVISION_PREFIX.sub("", folded)) or set()
        return [self._by_code[code] for code in sorted(codes) if code in self._by_code]

    def in_scope(self, commune_id: int) -> bool:
        commune = self._by_code.get(commune_id) if self._by_code else None
        return user_in_jurisdiction(
            user=self.actor, commune_id=commune_id, province_id=commune.province_id if commune else None
        )

    def resolve(self, text: str, *, province: str = "") -> Commune:
        """The commune named; raises ValueError with a message for the report."""
        if self._by_code is None:
            self._load()
        text = cell_text(text)
        if not text:
            raise ValueError(_("Commune is missing."))
        if text.isdigit():
            commune = self._by_code.get(int(text))
            if commune is None:
                raise ValueError(_("Unknown commune code %(code)s.") % {"code": text})
            return commune
        folded = fold(text)
        candidates = (
            self._by_name.get(folded)
            or self._by_name.get(_DIVISION_PREFIX.sub("", folded))
            or self._by_former_name(folded)
        )
        if province:
            pf = fold(province)
            candidates = [
                c
                for c in candidates
                if pf in (c.province.name_folded, _DIVISION_PREFIX.sub("", c.province.name_folded))
                or c.province.name_folded.endswith(" " + pf)
            ]
        elif len(candidates) > 1 and self.actor is not None and self.actor.province_id:
            candidates = [c for c in candidates if c.province_id == self.actor.province_id] or candidates
        if not candidates:
            raise ValueError(_('Unknown commune "%(name)s".') % {"name": text})
        if len(candidates) > 1 and len({c.province_id for c in candidates}) == 1:
            raise ValueError(
                _('"%(name)s" is a former commune now split between %(communes)s; give one of them.')
                % {"name": text, "communes": ", ".join(c.name for c in candidates)}
            )
        if len(candidates) > 1:
            raise ValueError(
                _('Commune name "%(name)s" exists in several provinces; give the province or the code.')
                % {"name": text}
            )
        return candidates[0]


def row_to_fields(raw: dict, *, resolver: CommuneResolver, errors: list) -> dict:
    """Turn one sheet row into venue_clean() arguments, appending every problem found to `errors`."""
    out: dict = {"name": cell_text(raw.get("name")), "address": cell_text(raw.get("address"))}
    if not out["name"]:
        errors.append(_("Name is missing."))
    if not out["address"]:
        errors.append(_("Address is missing."))
    sector_text = cell_text(raw.get("sector"))
    sector = sector_from_text(sector_text)
    if not sector_text:
        errors.append(_("Sector is missing."))
    elif sector is None:
        errors.append(_('Unknown sector "%(s)s".') % {"s": sector_text})
    out["sector"] = sector
    try:
        out["commune_id"] = resolver.resolve(raw.get("commune"), province=cell_text(raw.get("province"))).code
    except ValueError as exc:
        errors.append(str(exc))
        out["commune_id"] = None
    phone = cell_text(raw.get("phone"))
    if phone:
        try:
            out["phone"] = normalise_phone(phone)
        except Invalid as exc:
            errors.append(exc.message)
    capacity = cell_text(raw.get("capacity"))
    if capacity:
        if capacity.isdigit() and int(capacity) > 0:
            out["capacity"] = int(capacity)
        else:
            errors.append(_('Capacity "%(c)s" is not a positive whole number.') % {"c": capacity})
    for key, label in (("starts_at", gettext_lazy("start time")), ("ends_at", gettext_lazy("end time"))):
        value = raw.get(key)
        if cell_text(value):
            try:
                out[key] = parse_local(value, formats=SHEET_FORMATS)
            except ValueError:
                errors.append(
                    _('Cannot read the %(what)s "%(v)s"; write it as 31/12/2026 18:00.')
                    % {"what": label, "v": cell_text(value)}
                )
    return out


def template_sheets() -> list[Sheet]:
    """The workbook officers fill in: the header row with a sector drop-down on the first sheet
    (the one that is imported), filled-in examples on a second sheet, and the hidden list of sectors."""
    header = [f"{vi} *" if required else vi for _k, vi, _en, required in COLUMNS]
    with translation.override("vi"):
        labels = [str(label) for _v, label in Sector.choices]
        food, event = str(Sector.FOOD.label), str(Sector.EVENT.label)
    widths = (34, 30, 30, 26, 16, 14, 10, 18, 18)
    examples = [
        ["Cà phê Hồ Gươm", food, "12 Phố Hàng Bạc", "Phường Hoàn Kiếm", "Hà Nội", "0912345678", 40, "", ""],
        [
            "Hội chợ Xuân",
            event,
            "Vườn hoa Lý Thái Tổ",
            "70",
            "",
            "",
            500,
            "20/01/2027 08:00",
            "25/01/2027 22:00",
        ],
    ]
    return [
        Sheet(
            title="Dia diem",
            header=header,
            rows=[],
            widths=widths,
            choices=[(f"B2:B{MAX_ROWS + 1}", f"'Loai hinh'!$A$1:$A${len(labels)}")],
            choice_error="Chọn loại hình trong danh sách",
        ),
        Sheet(title="Vi du", header=header, rows=examples, widths=widths),
        Sheet(title="Loai hinh", header=(), rows=[[label] for label in labels], hidden=True),
    ]


def template_xlsx() -> bytes:
    return xlsx_bytes(template_sheets())
