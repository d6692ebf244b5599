"""Loading the administrative units: the current ones shipped by `vietnam-provinces`, and the names in use
before 1 July 2025 with the commune that took each area, shipped by `vietnamadminunits`."""

import importlib.util
import json
import sqlite3
from pathlib import Path

from vietnam_provinces import Province as PkgProvince
from vietnam_provinces import Ward as PkgWard

from epiqr.core.text import fold

from .models import Commune, FormerName, Province


def units_load(*, province_model=None, commune_model=None, former_model=None) -> tuple[int, int]:
    """Insert or update every province and commune; safe to run again after a package update.

    The model classes may be passed in so a data migration can call it with historical models; the former
    names are loaded too unless historical models without that table were passed.
    """
    if former_model is None and province_model is None:
        former_model = FormerName
    province_model = province_model or Province
    commune_model = commune_model or Commune
    provinces = [
        province_model(
            code=int(p.code), name=p.name, name_folded=fold(p.name), division_type=str(p.division_type.value)
        )
        for p in PkgProvince.iter_all()
    ]
    province_model.objects.bulk_create(
        provinces,
        update_conflicts=True,
        unique_fields=["code"],
        update_fields=["name", "name_folded", "division_type"],
    )
    communes = [
        commune_model(
            code=int(w.code),
            name=w.name,
            name_folded=fold(w.name),
            division_type=str(w.division_type.value),
            province_id=int(w.province_code),
        )
        for w in PkgWard.iter_all()
    ]
    commune_model.objects.bulk_create(
        communes,
        batch_size=1000,
        update_conflicts=True,
        unique_fields=["code"],
        update_fields=["name", "name_folded", "division_type", "province"],
    )
    if former_model is not None:
        former_names_load(former_model=former_model, commune_model=commune_model)
    return len(provinces), len(communes)


def former_names_load(*, former_model=None, commune_model=None) -> int:
    """Replace the former names with those of the installed `vietnamadminunits` data; returns how many.

    Its data maps each pre-2025 commune (province, district, commune) to the commune or communes that took
    its area. Read from the package's data files, without importing the package (which loads map libraries).
    """
    former_model = former_model or FormerName
    commune_model = commune_model or Commune
    # The two packages number some communes differently: match on the province and the commune's name.
    by_name = {
        (p, n): code for code, p, n in commune_model.objects.values_list("code", "province_id", "name_folded")
    }
    rows = []
    for province_code, new_name, name, district, province, whole in _former_names():
        commune_code = by_name.get((province_code, fold(new_name)))
        # A commune that kept its name is found by its current name already.
        if commune_code is not None and fold(name) != fold(new_name):
            rows.append(
                former_model(
                    commune_id=commune_code,
                    name=name[:100],
                    district=district[:100],
                    province_name=province[:100],
                    name_folded=fold(name)[:100],
                    search_folded=fold(f"{name} {district} {province}")[:320],
                    whole=whole,
                )
            )
    former_model.objects.all().delete()
    former_model.objects.bulk_create(rows, batch_size=2000, ignore_conflicts=True)
    return len(rows)


def _former_names():
    """(province code, commune name, former name, former district, former province, whole), from
    vietnamadminunits."""
    spec = importlib.util.find_spec("vietnamadminunits")
    if spec is None or not spec.submodule_search_locations:
        return
    data = Path(next(iter(spec.submodule_search_locations))) / "data"
    mapping = json.loads((data / "converter_2025.json").read_text(encoding="utf-8"))
    db = sqlite3.connect(f"file:{data / 'dataset.db'}?mode=ro", uri=True)
    try:
        new = {
            (p, w): (int(code), ward)
            for p, w, code, ward in db.execute(
                "SELECT provinceKey, wardKey, provinceCode, ward FROM admin_units"
            )
        }
        old = {
            f"{p}_{d}_{w}": (ward, district, province)
            for p, d, w, ward, district, province in db.execute(
                "SELECT provinceKey, districtKey, wardKey, ward, district, province FROM admin_units_legacy"
            )
        }
    finally:
        db.close()
    for province_key, wards in mapping["DICT_PROVINCE_WARD_NO_DIVIDED"].items():
        for ward_key, old_keys in wards.items():
            target = new.get((province_key, ward_key))
            for key in old_keys:
                if target is not None and key in old:
                    yield (*target, *old[key], True)
    for province_key, split in mapping["DICT_PROVINCE_WARD_DIVIDED"].items():
        for key, parts in split.items():
            for part in parts:
                target = new.get((province_key, part["newWardKey"]))
                if target is not None and key in old:
                    yield (*target, *old[key], False)
