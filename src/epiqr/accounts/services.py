import hashlib
import hmac
import secrets
import time

from django.contrib.auth.password_validation import validate_password
from django.core.exceptions import ValidationError
from django.db import transaction
from django.db.models.base import ModelState
from django.utils import timezone
from django.utils.translation import gettext as _
from django_otp.plugins.otp_static.models import StaticDevice, StaticToken
from django_otp.plugins.otp_totp.models import TOTPDevice

from epiqr.core.errors import Invalid
from epiqr.core.permissions import Role
from epiqr.core.services import audit_record
from epiqr.geo.models import Commune

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
    """Create a staff account; a commune scope implies its province. The password must pass the
    validators (a longer minimum for roles that read personal data); None leaves the login disabled."""
    if role not in _ROLES:
        raise Invalid(_("Unknown role: %(role)s") % {"role": role}, field="role")
    if org_kind and org_kind not in OrgKind.values:
        raise Invalid(_("Unknown organisation kind: %(kind)s") % {"kind": org_kind}, field="org_kind")
    if User.objects.filter(username=username).exists():
        raise Invalid(_("This username is taken: %(username)s") % {"username": username}, field="username")
    if commune_id and not province_id:
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
    if password is not None:
        try:
            validate_password(password, user)
        except ValidationError as exc:
            raise Invalid(" ".join(exc.messages), field="password") from exc
        user.set_password(password)
    else:
        user.set_unusable_password()
    user.save()
    return user


# --- Second factor (django-otp) -------------------------------------------------------------------
# One authenticator app (TOTP) per account plus a sheet of single-use recovery codes. An account that
# needs a second factor (core.permissions.needs_second_factor) enrols at its first login.

RECOVERY_CODE_COUNT = 10


def totp_device_pending(*, user: User) -> TOTPDevice:
    """The authenticator key being enrolled: the same one on every reload until it is confirmed."""
    device = TOTPDevice.objects.filter(user=user, confirmed=False).order_by("pk").first()
    return device or TOTPDevice.objects.create(user=user, name="app", confirmed=False)


def totp_device_confirm(*, user: User, token: str) -> tuple[TOTPDevice, list[str]]:
    """Confirm the pending key with a code from the app; returns the device and fresh recovery codes.

    A wrong code stores nothing. Any earlier app of the account stops working (one app at a time).
    """
    code = "".join((token or "").split())
    with transaction.atomic():
        device = TOTPDevice.objects.select_for_update().filter(user=user, confirmed=False).first()
        if device is None:
            raise Invalid(_("Start the set-up again: no key is waiting to be confirmed."), field="token")
        if not (code.isdigit() and len(code) == device.digits) or not device.verify_token(code):
            raise Invalid(
                _("That code is not right. Check the clock of your phone and type the current code."),
                field="token",
            )
        TOTPDevice.objects.filter(user=user, confirmed=True).delete()
        device.confirmed = True
        device.save(update_fields=["confirmed"])
    return device, recovery_codes_create(user=user)


def recovery_codes_create(*, user: User) -> list[str]:
    """A new sheet of single-use recovery codes; the previous sheet stops working."""
    with transaction.atomic():
        device, _created = StaticDevice.objects.get_or_create(
            user=user, name="recovery", defaults={"confirmed": True}
        )
        device.token_set.all().delete()
        codes = [StaticToken.random_token() for _i in range(RECOVERY_CODE_COUNT)]
        StaticToken.objects.bulk_create([StaticToken(device=device, token=c) for c in codes])
    return codes


def second_factor_verify(*, user: User, token: str):
    """The device that accepts this code (a current app code or an unused recovery code), else None.

    Each device throttles itself after failures (django-otp); the caller counts the failure for login
    throttling too."""
    code = "".join((token or "").split()).lower()
    if not code or len(code) > 16:
        return None
    app_code = code.isdigit() and len(code) == 6  # recovery codes are 8 letters and digits
    model = TOTPDevice if app_code else StaticDevice
    devices = list(model.objects.filter(user=user, confirmed=True))
    for device in devices:
        with transaction.atomic():
            fresh = type(device).objects.select_for_update().get(pk=device.pk)
            if fresh.verify_token(code):
                return fresh
    return None


def second_factor_reset(*, actor: User | None, user: User) -> None:
    """Remove an account's app and recovery codes (lost phone); it enrols again at its next login.

    Signs the account out everywhere, so a session opened with the lost phone ends too."""
    from django.contrib.sessions.models import Session

    with transaction.atomic():
        TOTPDevice.objects.filter(user=user).delete()
        StaticDevice.objects.filter(user=user).delete()
        audit_record(actor=actor, action="accounts.second_factor_reset", target=user)
    uid = str(user.pk)
    for session in Session.objects.filter(expire_date__gt=timezone.now()).iterator():
        if session.get_decoded().get("_auth_user_id") == uid:
            session.delete()


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


def _private_copy(user: User) -> User:
    """A copy of a cached user for one request: its field values and a model state of its own (related
    objects load again on access), without the trip through copy's pickling protocol."""
    clone = User.__new__(User)
    values = user.__dict__.copy()
    state = values["_state"] = ModelState()
    state.db, state.adding = user._state.db, user._state.adding
    clone.__dict__ = values
    return clone


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
            return _private_copy(hit[1])  # a request may change its user object
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
    _token_cache[key] = (_clock() + TOKEN_CACHE_SECONDS, _private_copy(token.user))
    return token.user
