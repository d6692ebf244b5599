import copy
import hashlib
import hmac
import secrets
import time

from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from epiqr.core.errors import Invalid
from epiqr.core.permissions import Role

from .models import ApiToken, OrgKind, User

_ROLES = {r for r, _label in Role.CHOICES}


def _hash(secret: str) -> str:
    return hashlib.sha256(secret.encode()).hexdigest()


def user_create(
    *,
    username: str,
    password: str | None,
    role: str,
    full_name: str = "",
    email: str = "",
    phone: str = "",
    province_id: int | None = None,
    commune_id: int | None = None,
    org_kind: str = "",
    org_id: int | None = None,
) -> User:
    """Create a staff account; a commune scope implies its province."""
    if role not in _ROLES:
        raise Invalid(_("Unknown role: %(role)s") % {"role": role}, field="role")
    if org_kind and org_kind not in OrgKind.values:
        raise Invalid(_("Unknown organisation kind: %(kind)s") % {"kind": org_kind}, field="org_kind")
    if User.objects.filter(username=username).exists():
        raise Invalid(_("This username is taken: %(username)s") % {"username": username}, field="username")
    if commune_id and not province_id:
        from epiqr.geo.models import Commune

        province_id = Commune.objects.values_list("province_id", flat=True).get(pk=commune_id)
    first, _sp, last = full_name.rpartition(" ")
    user = User(
        username=username,
        email=email,
        phone=phone,
        role=role,
        first_name=last or first,
        last_name=first if last else "",
        province_id=province_id,
        commune_id=commune_id,
        org_kind=org_kind,
        org_id=org_id,
        is_staff=role == Role.ADMIN,
        is_superuser=role == Role.ADMIN,
    )
    if password:
        user.set_password(password)
    else:
        user.set_unusable_password()
    user.save()
    return user


def api_token_create(*, user: User, name: str = "default") -> str:
    """Create a token and return its secret once: `<prefix>.<secret>`. Only the hash is kept."""
    prefix = secrets.token_hex(4)
    secret = secrets.token_urlsafe(24)
    ApiToken.objects.create(user=user, name=name[:100] or "default", prefix=prefix, secret_hash=_hash(secret))
    return f"{prefix}.{secret}"


def api_token_revoke(*, user: User, prefix: str) -> None:
    """Revoke a token. This process forgets it at once; other worker processes within TOKEN_CACHE_SECONDS."""
    ApiToken.objects.filter(user=user, prefix=prefix, revoked_at__isnull=True).update(
        revoked_at=timezone.now()
    )
    for key in [k for k in _token_cache if k[0] == prefix]:
        _token_cache.pop(key, None)


# Every API request authenticates; a scan station sends several a second. A token found valid is trusted
# by this process for TOKEN_CACHE_SECONDS, so a revoked token, a deactivated user or a changed role takes
# effect in every worker within that bound (at once in the worker that revoked it).
TOKEN_CACHE_SECONDS = 5.0
TOKEN_CACHE_MAX = 10_000
_token_cache: dict[tuple[str, str], tuple[float, User]] = {}
_clock = time.monotonic


def api_token_authenticate(*, raw: str) -> User | None:
    """The active user of a valid, unrevoked token `<prefix>.<secret>`, else None."""
    prefix, sep, secret = (raw or "").strip().partition(".")
    if not sep or not prefix or not secret or len(raw) > 200:
        return None
    digest = _hash(secret)
    key = (prefix, digest)
    hit = _token_cache.get(key)
    if hit is not None:
        if hit[0] > _clock():
            return copy.copy(hit[1])  # a private copy: a request may change its user object
        _token_cache.pop(key, None)
    token = ApiToken.objects.select_related("user").filter(prefix=prefix, revoked_at__isnull=True).first()
    if token is None or not token.user.is_active or not hmac.compare_digest(token.secret_hash, digest):
        return None
    now = timezone.now()
    if token.last_used_at is None or (now - token.last_used_at).total_seconds() > 300:
        with transaction.atomic():
            ApiToken.objects.filter(pk=token.pk).update(last_used_at=now)
    if len(_token_cache) >= TOKEN_CACHE_MAX:
        _token_cache.clear()
    _token_cache[key] = (_clock() + TOKEN_CACHE_SECONDS, copy.copy(token.user))
    return token.user
