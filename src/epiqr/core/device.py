"""The citizen's remembered device: a signed cookie listing the people checked in from this phone.

Holds Person.public_id values (no names, no ID numbers). One phone may carry a family. Read by check-in
(one-tap check-in), by tracing (a citizen's own exposure self-check) and by testing (own results).
"""

from django.core import signing

COOKIE = "epiqr_device"
SALT = "epiqr.device.v1"
MAX_AGE = 400 * 24 * 3600
MAX_PEOPLE = 10


def device_people(request) -> list[str]:
    """Public ids of the people this device remembers, most recent first; [] for a missing or forged cookie."""
    try:
        value = request.get_signed_cookie(COOKIE, salt=SALT, max_age=MAX_AGE)
    except (KeyError, signing.BadSignature):
        return []
    ids = [v for v in value.split(",") if v]
    return ids[:MAX_PEOPLE]


def device_remember(response, request, public_ids: list[str]) -> None:
    """Put these people first on the device's list (keeping the others), and refresh the cookie."""
    merged = list(dict.fromkeys([str(p) for p in public_ids] + device_people(request)))[:MAX_PEOPLE]
    response.set_signed_cookie(
        COOKIE,
        ",".join(merged),
        salt=SALT,
        max_age=MAX_AGE,
        httponly=True,
        samesite="Lax",
        secure=request.is_secure(),
    )


def device_forget(response) -> None:
    response.delete_cookie(COOKIE)
