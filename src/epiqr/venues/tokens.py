"""Venue tokens: what a poster's QR carries, checked without a database read.

Static token (printed poster): sign("venue", "<id>-<generation>"), base36 numbers. A reprint bumps the
venue's generation, so older posters fail the generation check (one indexed read, after the signature).
Rotating token (a screen at the door): sign("venue-rot", "<id>-<generation>-<window>") where window is
the 5-minute slot; accepted for the current and the previous slot only, so a photo taken elsewhere
stops working within minutes.
"""

import time
from dataclasses import dataclass

from epiqr.core import signing

ROTATION_SECONDS = 300
ROTATION_GRACE_WINDOWS = 1


@dataclass(frozen=True)
class VenueTokenClaim:
    venue_id: int
    generation: int
    rotating: bool = False


def token_make(*, venue_id: int, generation: int) -> str:
    return signing.sign("venue", signing.encode_ints(venue_id, generation))


def rotating_token_make(*, venue_id: int, generation: int, at: float | None = None) -> str:
    window = int((time.time() if at is None else at) // ROTATION_SECONDS)
    return signing.sign("venue-rot", signing.encode_ints(venue_id, generation, window))


def token_read(token: str, *, at: float | None = None) -> VenueTokenClaim:
    """The venue a token names, or BadSignature (forged, altered, or an expired rotating code)."""
    token = (token or "").strip()
    if len(token) > 80:
        raise signing.BadSignature("token too long")
    if not token.isascii():  # hmac.compare_digest raises TypeError on non-ASCII text
        raise signing.BadSignature("not a token")
    message, _sep, _mac = token.rpartition(".")
    if message.count("-") == 2:
        venue_id, generation, window = signing.decode_ints(signing.unsign("venue-rot", token), 3)
        current = int((time.time() if at is None else at) // ROTATION_SECONDS)
        if not current - ROTATION_GRACE_WINDOWS <= window <= current:
            raise signing.BadSignature("rotating code expired")
        return VenueTokenClaim(venue_id, generation, rotating=True)
    venue_id, generation = signing.decode_ints(signing.unsign("venue", token), 2)
    return VenueTokenClaim(venue_id, generation)
