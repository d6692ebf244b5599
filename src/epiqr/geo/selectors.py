from django.db.models import Q, QuerySet

from epiqr.core.text import fold

from .models import Commune, Province


def province_list() -> QuerySet[Province]:
    return Province.objects.all()


def commune_search(*, query: str = "", province_code: int | None = None, limit: int = 20) -> list[Commune]:
    """Communes whose name matches with or without diacritics ("hoan kiem" finds "Phường Hoàn Kiếm")."""
    qs = Commune.objects.select_related("province")
    if province_code:
        qs = qs.filter(province_id=province_code)
    folded = fold(query)
    if folded:
        for word in folded.split():
            qs = qs.filter(Q(name_folded__contains=word) | Q(province__name_folded__contains=word))
    return list(qs[:limit])
