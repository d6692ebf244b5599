"""HMAC signatures for codes printed on paper or shown on screens.

A signed string is `<message>.<mac>` where mac is a truncated HMAC-SHA256 (80 bits, base64url) over the
purpose and the message. Verifying needs only the key, never the database, so a forged or altered code
is refused before any lookup. The purpose separates keys: a venue token can never pass as a personal QR.
"""

import base64
import hashlib
import hmac

from django.conf import settings

MAC_BYTES = 10  # 80 bits: forging by guessing needs ~2^79 tries, and every try is an online request.


class BadSignature(ValueError):
    """The code was not made by this EpiQR installation, or was altered."""


def b64url(data: bytes) -> str:
    return base64.urlsafe_b64encode(data).rstrip(b"=").decode("ascii")


def b64url_decode(text: str) -> bytes:
    try:
        return base64.urlsafe_b64decode(text + "=" * (-len(text) % 4))
    except (ValueError, TypeError) as exc:
        raise BadSignature("not base64url") from exc


def mac(purpose: str, message: str, *, key: str | None = None) -> str:
    secret = (key or settings.EPIQR_SIGNING_KEY).encode()
    # surrogatepass: a scanned lone surrogate is just a message whose signature does not match
    data = purpose.encode() + b"\x00" + message.encode("utf-8", "surrogatepass")
    digest = hmac.new(secret, data, hashlib.sha256).digest()
    return b64url(digest[:MAC_BYTES])


def sign(purpose: str, message: str) -> str:
    return f"{message}.{mac(purpose, message)}"


def unsign(purpose: str, signed: str) -> str:
    """Return the message of a signed string, or raise BadSignature."""
    message, sep, given = (signed or "").rpartition(".")
    if not sep or not message or not given:
        raise BadSignature("missing signature")
    # Compare bytes: a scanner can deliver non-ASCII garbage, which str comparison would reject with TypeError.
    if not hmac.compare_digest(given.encode("utf-8", "replace"), mac(purpose, message).encode()):
        raise BadSignature("signature does not match")
    return message


def encode_ints(*numbers: int) -> str:
    """Pack non-negative integers compactly (base36, dash-separated) for short tokens."""
    return "-".join(_to_base36(n) for n in numbers)


def decode_ints(text: str, count: int) -> tuple[int, ...]:
    parts = text.split("-")
    if len(parts) != count:
        raise BadSignature("wrong number of fields")
    try:
        return tuple(int(p, 36) for p in parts)
    except ValueError as exc:
        raise BadSignature("not a number") from exc


def _to_base36(n: int) -> str:
    if n < 0:
        raise ValueError("negative")
    digits = "0123456789abcdefghijklmnopqrstuvwxyz"
    out = ""
    while True:
        n, r = divmod(n, 36)
        out = digits[r] + out
        if n == 0:
            return out
