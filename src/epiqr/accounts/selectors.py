"""Scope rules: which rows of personal data a user may see.

`jurisdiction_filter` narrows any queryset by a path to a commune: a province officer sees every
commune of their province, a commune officer only their commune, an administrator everything, and
anyone else nothing (organisation staff are scoped by their domain's own selectors).
"""

from django.db.models import Q, QuerySet
from django_otp.plugins.otp_static.models import StaticDevice
from django_otp.plugins.otp_totp.models import TOTPDevice

from epiqr.core.lists import Filter
from epiqr.core.permissions import Role
from epiqr.geo.models import Commune

from .models import ApiToken, User


def jurisdiction_q(*, user: User, commune_path: str) -> Q | None:
    """A Q limiting `commune_path` (e.g. "commune" or "person__commune") to the user's jurisdiction.

    None means no limit (administrators). A province is given as the list of its commune codes, not a
    join to the commune table: PostgreSQL then knows from the column's statistics how many rows the
    province holds (half of a big table, or a sliver) and picks the plan, where through a join it guessed
    a few thousand rows and sorted a province's million people instead of reading them in index order.
    """
    if user.is_superuser or user.role == Role.ADMIN:
        return None
    if user.commune_id:
        return Q(**{f"{commune_path}_id": user.commune_id})
    if user.province_id:
        return Q(**{f"{commune_path}_id__in": province_commune_codes(province_id=user.province_id)})
    return Q(pk__in=[])


_PROVINCE_CODES: dict[int, tuple[int, ...]] = {}


def province_commune_codes(*, province_id: int) -> tuple[int, ...]:
    """The codes of a province's communes (reference data, kept for the process once found)."""
    codes = _PROVINCE_CODES.get(province_id)
    if codes is None:
        codes = tuple(
            Commune.objects.filter(province_id=province_id).order_by("code").values_list("code", flat=True)
        )
        if codes:  # an empty answer (units not loaded yet) is asked again next time
            _PROVINCE_CODES[province_id] = codes
    return codes


def jurisdiction_filter(qs: QuerySet, *, user: User, commune_path: str) -> QuerySet:
    q = jurisdiction_q(user=user, commune_path=commune_path)
    return qs if q is None else qs.filter(q)


def user_in_jurisdiction(*, user: User, commune_id: int | None, province_id: int | None = None) -> bool:
    if user.is_superuser or user.role == Role.ADMIN:
        return True
    if user.commune_id:
        return commune_id == user.commune_id
    if user.province_id:
        if province_id is None and commune_id is not None:
            return commune_id in province_commune_codes(province_id=user.province_id)
        return province_id == user.province_id
    return False


def api_token_list(*, user: User) -> list[ApiToken]:
    return list(ApiToken.objects.filter(user=user, revoked_at__isnull=True))


def commune_list_in_jurisdiction(*, user: User):
    """Communes a user may place people, sites or venues in: their commune, their province's, or all."""
    qs = Commune.objects.select_related("province").order_by("name")
    if user.is_superuser or user.role == Role.ADMIN:
        return qs
    if user.commune_id:
        return qs.filter(pk=user.commune_id)
    if user.province_id:
        return qs.filter(province_id=user.province_id)
    return qs.none()


def commune_officers(*, commune_id: int | None) -> list[User]:
    """The active health officers of a commune (who are told about its cases)."""
    if commune_id is None:
        return []
    return list(User.objects.filter(role=Role.COMMUNE_OFFICER, commune_id=commune_id, is_active=True))


def administrators() -> list[User]:
    """The active administrators (told of audit alerts)."""
    return list(User.objects.filter(Q(role=Role.ADMIN) | Q(is_superuser=True), is_active=True).order_by("pk"))


def second_factor_status(*, user: User) -> dict:
    """Whether an authenticator app is enrolled and how many recovery codes are left."""
    static = StaticDevice.objects.filter(user=user, confirmed=True).first()
    return {
        "app": TOTPDevice.objects.filter(user=user, confirmed=True).exists(),
        "recovery_left": static.token_set.count() if static else 0,
    }


def commune_filter(*, lookup: str = "commune_id", name: str = "commune", label=None):
    """The shared list filter (epiqr.core.lists) by commune: the choices are the communes of the user's
    jurisdiction, so a list never offers, or accepts, a commune outside it."""
    from django.utils.translation import gettext_lazy

    def choices(user):
        if user is None:
            return []
        return list(commune_list_in_jurisdiction(user=user).values_list("code", "name"))

    return Filter(
        name,
        label or gettext_lazy("Commune / ward"),
        lookup=lookup,
        choices=choices,
        api_type=int,
        placeholder=gettext_lazy("commune code, e.g. 70"),
        help="commune code (GET /api/v1/geo/communes), one of your area",
    )
