"""Loading the administrative units shipped by the `vietnam-provinces` package."""

from vietnam_provinces import Province as PkgProvince
from vietnam_provinces import Ward as PkgWard

from epiqr.core.text import fold


def units_load(*, province_model=None, commune_model=None) -> tuple[int, int]:
    """Insert or update every province and commune; safe to run again after a package update.

    The model classes may be passed in so a data migration can call it with historical models.
    """
    from .models import Commune, Province

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
    return len(provinces), len(communes)
