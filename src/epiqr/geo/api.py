from ninja import Field, Query, Router, Schema

from epiqr.core.api_schema import Code, Int64
from epiqr.core.audit import no_personal_data

from . import selectors

router = Router(tags=["geo"])


class CommuneOut(Schema):
    code: int
    name: str
    province_code: int
    province_name: str
    former_name: str | None = Field(
        None, description="the former commune (before July 2025) through which the query found this one"
    )


@router.get("/communes", response=list[CommuneOut], auth=None)
@no_personal_data("administrative units")
def communes(
    request, q: str = "", province: Code | None = None, limit: Int64 = Query(20, description="1 to 100")
):
    """Search communes by name, with or without diacritics, and by the names of the former communes
    they took over ("hang trong" finds Phường Hoàn Kiếm and Phường Cửa Nam, with `former_name`)."""
    rows = selectors.commune_search(query=q[:100], province_code=province, limit=max(1, min(limit, 100)))
    return [
        {
            "code": c.code,
            "name": c.name,
            "province_code": c.province_id,
            "province_name": c.province.name,
            "former_name": c.former_name,
        }
        for c in rows
    ]
