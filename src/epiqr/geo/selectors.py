from dataclasses import dataclass

from django.db.models import Q, QuerySet

from epiqr.core.text import fold

from .models import Commune, FormerName, Province


def province_list() -> QuerySet[Province]:
    return Province.objects.all()


def commune_search(*, query: str = "", province_code: int | None = None, limit: int = 20) -> list[Commune]:
    """Communes whose name matches with or without diacritics ("hoan kiem" finds "Phường Hoàn Kiếm"),
    then those that took the area of a former commune of that name ("hang trong" finds Phường Hoàn Kiếm
    and Phường Cửa Nam). Each word must begin a word of the name (or of the province, or for a former
    name of its old district). A commune found through a former name carries it as `former_name`."""
    qs = Commune.objects.select_related("province")
    if province_code:
        qs = qs.filter(province_id=province_code)
    folded = fold(query)
    words = folded.split()
    if not words:
        return _with_former(list(qs[:limit]), {})
    for word in words:
        qs = qs.filter(_starts_a_word("name_folded", word) | _starts_a_word("province__name_folded", word))
    current = list(qs[: 5 * limit])
    exact = " ".join(query.lower().split())
    current.sort(
        key=lambda c: (
            not _has_phrase(c.name_folded, folded),
            exact not in c.name.lower(),  # "Thanh Xuân" typed with its marks before "Thạnh Xuân"
            _bare(c.name_folded) != _bare(folded),
            len(_bare(c.name_folded)),
            c.name_folded,
        )
    )
    found = _with_former(current[:limit], {})
    if len(found) >= limit:
        return found
    formers = FormerName.objects.exclude(commune_id__in=[c.code for c in found])
    if province_code:
        formers = formers.filter(commune__province_id=province_code)
    for word in words:
        formers = formers.filter(_starts_a_word("search_folded", word))
    via: dict[int, FormerName] = {}
    for former in sorted(
        formers[: 20 * limit],
        key=lambda f: (not _has_phrase(f.name_folded, folded), not f.whole, f.name_folded, f.commune_id),
    ):
        via.setdefault(former.commune_id, former)
    order = {code: i for i, code in enumerate(via)}
    extra = Commune.objects.select_related("province").filter(code__in=list(via)[: limit - len(found)])
    return found + _with_former(sorted(extra, key=lambda c: order[c.code]), via)


def _starts_a_word(field: str, word: str) -> Q:
    return Q(**{f"{field}__startswith": word}) | Q(**{f"{field}__contains": f" {word}"})


_DIVISION = ("phuong ", "xa ", "dac khu ", "thi tran ")


def _bare(name_folded: str) -> str:
    """The name without its division word ("phuong hoan kiem" -> "hoan kiem")."""
    return next((name_folded[len(p) :] for p in _DIVISION if name_folded.startswith(p)), name_folded)


def _has_phrase(name_folded: str, phrase: str) -> bool:
    return name_folded.startswith(phrase) or f" {phrase}" in name_folded


def _with_former(communes: list[Commune], via: dict[int, FormerName]) -> list[Commune]:
    for c in communes:
        c.former_name = via[c.code].name if c.code in via else None  # type: ignore[attr-defined]
    return communes


@dataclass(frozen=True)
class FormerMatch:
    commune: Commune
    former: str  # the former name as written then
    whole: bool  # False: only part of the former commune went to this one


def communes_by_former_name(*, text: str, province_code: int | None = None) -> list[FormerMatch]:
    """The communes that took a former commune named exactly `text` (diacritics, "Phường"/"Xã" optional)."""
    name = fold(text)
    names = {name, *(f"{prefix} {name}" for prefix in ("phuong", "xa", "thi tran"))}
    qs = FormerName.objects.select_related("commune__province").filter(name_folded__in=names)
    if province_code:
        qs = qs.filter(commune__province_id=province_code)
    seen: dict[int, FormerMatch] = {}
    for f in qs.order_by("commune_id", "-whole"):
        seen.setdefault(f.commune_id, FormerMatch(commune=f.commune, former=f.name, whole=f.whole))
    return list(seen.values())


def former_name_index() -> dict[str, set[int]]:
    """Folded former name, with and without its division word, -> codes of the communes that took it
    (for bulk imports that resolve many names at once)."""
    index: dict[str, set[int]] = {}
    for name_folded, code in FormerName.objects.values_list("name_folded", "commune_id"):
        for key in {name_folded, _bare(name_folded)}:
            index.setdefault(key, set()).add(code)
    return index


@dataclass(frozen=True)
class Position:
    """Where a commune is drawn on a map: its centroid (WGS 84 degrees) and its area in km²."""

    lat: float
    lon: float
    area_km2: float | None


_positions: dict[int, Position] | None = None


def commune_positions() -> dict[int, Position]:
    """The centroid of every current commune (after 1 July 2025), keyed by our commune code.

    Read from the `wardLat`/`wardLon`/`wardAreaKm2` columns of the data file shipped by the `vietnamadminunits`
    package (MIT licence, https://github.com/tranngocminhhieu/vietnamadminunits; 3,321 wards and communes),
    matched on the province and the commune's name as the former names are (the two packages number some
    communes differently), else on the official code within the province. Read once per process; a commune the file does not name is absent."""
    global _positions
    if _positions is None:
        units = {
            code: (p, n) for code, p, n in Commune.objects.values_list("code", "province_id", "name_folded")
        }
        names: dict[tuple[int, str], list[int]] = {}
        for code, key in units.items():
            names.setdefault(key, []).append(code)
        out: dict[int, Position] = {}
        for province_code, name, ward_code, lat, lon, area in _ward_centroids():
            key = (province_code, fold(name))
            if units.get(ward_code) == key:
                code = ward_code  # the same code and name
            elif len(names.get(key, ())) == 1:
                code = names[key][0]  # numbered differently: one commune of that name in the province
            elif units.get(ward_code, (None,))[0] == province_code:
                code = ward_code  # a name spelt differently: the same official code in the same province
            else:
                continue
            if code is not None and lat is not None and lon is not None:
                out[code] = Position(float(lat), float(lon), float(area) if area is not None else None)
        if not out:  # units not loaded yet: do not keep an empty answer
            return out
        _positions = out
    return _positions


def _ward_centroids():
    """(province code, commune name, commune code, latitude, longitude, area km²) from vietnamadminunits'
    data file."""
    import importlib.util
    import sqlite3
    from pathlib import Path

    spec = importlib.util.find_spec("vietnamadminunits")
    if spec is None or not spec.submodule_search_locations:
        return []
    data = Path(next(iter(spec.submodule_search_locations))) / "data" / "dataset.db"
    db = sqlite3.connect(f"file:{data}?mode=ro", uri=True)
    try:
        return [
            (int(p), w, int(code), lat, lon, area)
            for p, w, code, lat, lon, area in db.execute(
                "SELECT provinceCode, ward, wardCode, wardLat, wardLon, wardAreaKm2 FROM admin_units"
            )
        ]
    finally:
        db.close()
