"""The citizen's device cookie: a random key, signed, naming one phone (its browser) and nothing else.

The cookie carries no person: who the phone registered and what its holder proved live on the server
(`epiqr.people` devices, links and proofs), found by the key's hash. This module only reads and writes
the cookie; `epiqr.people.citizen` is what pages use.

Cookies of the first version (`epiqr_device`, a signed list of people's public ids) were granted by
typing someone's identifiers, so they prove nothing: they are ignored and deleted (`legacy_cookie_seen`).
"""

import secrets

from django.core import signing
from django.http import HttpRequest

COOKIE = "epiqr_phone"
SALT = "epiqr.device.v2"
MAX_AGE = 400 * 24 * 3600
LEGACY_COOKIE = "epiqr_device"
_ATTR = "_epiqr_device_key"


def device_key(request: HttpRequest) -> str | None:
    """The key this phone's cookie carries (minted during this request included); None when absent or forged."""
    minted = getattr(request, _ATTR, None)
    if minted:
        return minted
    try:
        value = request.get_signed_cookie(COOKIE, salt=SALT, max_age=MAX_AGE)
    except (KeyError, signing.BadSignature):
        return None
    return value if value is not None and 20 <= len(value) <= 64 else None


def device_key_mint(request: HttpRequest) -> str:
    """A fresh random key for a phone without one; `device_cookie_write` puts it on the response."""
    key = secrets.token_urlsafe(32)
    setattr(request, _ATTR, key)
    return key


def device_cookie_write(response, request: HttpRequest) -> None:
    """Set the cookie when this request minted a key, and drop a first-version cookie if one is still sent."""
    key = getattr(request, _ATTR, None)
    if key:
        response.set_signed_cookie(
            COOKIE,
            key,
            salt=SALT,
            max_age=MAX_AGE,
            httponly=True,
            samesite="Lax",
            secure=request.is_secure(),
        )
    if legacy_cookie_seen(request):
        response.delete_cookie(LEGACY_COOKIE)


def legacy_cookie_seen(request: HttpRequest) -> bool:
    return LEGACY_COOKIE in request.COOKIES


def device_forget(response) -> None:
    response.delete_cookie(COOKIE)
    response.delete_cookie(LEGACY_COOKIE)
