from ninja import Router, Schema

from epiqr.core.audit import OWN_ACCOUNT, no_personal_data
from epiqr.core.permissions import capabilities_of

router = Router(tags=["accounts"])


class MeOut(Schema):
    username: str
    role: str
    province_code: int | None
    commune_code: int | None
    org_kind: str
    org_id: int | None
    capabilities: list[str]


@router.get("/me", response=MeOut)
@no_personal_data(OWN_ACCOUNT)
def me(request):
    """Who the token or session belongs to, and what it may do (scan devices call this on start)."""
    u = request.user
    return {
        "username": u.username,
        "role": u.role,
        "province_code": u.province_id,
        "commune_code": u.commune_id,
        "org_kind": u.org_kind,
        "org_id": u.org_id,
        "capabilities": capabilities_of(u.role),
    }
