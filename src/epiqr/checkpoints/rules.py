"""Is this movement permit valid here and now? The checkpoint's rule, as pure functions (no Django).

`permit_verify` answers VALID or NOT VALID with every reason that applies, in the order an officer
reads them: a code that is not a permit or does not carry a valid signature from a trusted key says
nothing else (its claims cannot be believed); otherwise revoked, then the dates, the weekday, the
hours, the area, and the holder's ID card when one was scanned. The checkpoint page's script
(static checkpoints/verify.js) applies the same rules offline; tests/checkpoints/test_station_browser.py
holds the two to the same answers.

Time: the permit's days, weekdays and hours are Vietnam local time (Asia/Ho_Chi_Minh), whatever zone
`at` is given in. A window over midnight (start > end) belongs to the day it starts on: a permit for
Monday 22:00-06:00 lets its holder through on Tuesday at 05:00, not on Monday at 05:00.
"""

from __future__ import annotations

from collections.abc import Collection, Mapping
from dataclasses import dataclass, field
from datetime import date, datetime, timedelta
from enum import StrEnum
from zoneinfo import ZoneInfo

from cryptography.hazmat.primitives.asymmetric import ec

from .permit_code import PermitClaim, PermitCodeError, SignedPermit, decode, signature_valid

VN_TZ = ZoneInfo("Asia/Ho_Chi_Minh")


class Reason(StrEnum):
    NOT_A_PERMIT = "not_a_permit"  # another kind of code (a CCCD, a venue poster...)
    FORGED = "forged"  # unreadable, unknown key, or a signature that does not match
    REVOKED = "revoked"
    NOT_YET_VALID = "not_yet_valid"
    EXPIRED = "expired"
    WRONG_WEEKDAY = "wrong_weekday"
    OUTSIDE_HOURS = "outside_hours"
    OUTSIDE_AREA = "outside_area"
    HOLDER_MISMATCH = "holder_mismatch"


@dataclass(frozen=True)
class Place:
    """Where the check happens: the checkpoint's commune and province codes (None: unknown, which no
    area-limited permit allows)."""

    commune: int | None
    province: int | None


@dataclass(frozen=True)
class Verdict:
    valid: bool
    reasons: tuple[Reason, ...]
    claim: PermitClaim | None = None
    kid: bytes = b""
    detail: dict = field(default_factory=dict)


def window_day(claim: PermitClaim, moment: datetime) -> tuple[date, bool]:
    """(the local day whose window `moment` falls in, whether it falls in the hours at all)."""
    local = moment.astimezone(VN_TZ)
    minute = local.hour * 60 + local.minute
    start, end = claim.start_minute, claim.end_minute
    if start == end or (start == 0 and end == 1440):
        return local.date(), True
    if start < end:
        return local.date(), start <= minute < end
    if minute >= start:
        return local.date(), True
    if minute < end:
        return local.date() - timedelta(days=1), True
    return local.date(), False


def permit_check(
    claim: PermitClaim,
    *,
    at: datetime,
    place: Place,
    revoked: Collection[int] = (),
    holder_ids: Collection[str] | None = None,
) -> tuple[Reason, ...]:
    """Every reason a genuine permit is not valid at `place` at `at` (empty: valid).

    `holder_ids`: the numbers read from the holder's ID card (CCCD and old CMND), when the officer
    scanned it; None when not scanned (no check)."""
    if at.tzinfo is None:
        raise ValueError("at must be timezone-aware")
    reasons: list[Reason] = []
    if claim.serial in revoked:
        reasons.append(Reason.REVOKED)
    day, in_hours = window_day(claim, at)
    if day < claim.valid_from:
        reasons.append(Reason.NOT_YET_VALID)
    elif day > claim.valid_until:
        reasons.append(Reason.EXPIRED)
    if not claim.weekdays >> day.weekday() & 1:
        reasons.append(Reason.WRONG_WEEKDAY)
    if not in_hours:
        reasons.append(Reason.OUTSIDE_HOURS)
    if claim.provinces or claim.communes:
        inside = (place.province is not None and place.province in claim.provinces) or (
            place.commune is not None and place.commune in claim.communes
        )
        if not inside:
            reasons.append(Reason.OUTSIDE_AREA)
    if holder_ids is not None and claim.holder_id not in {h.strip().upper() for h in holder_ids}:
        reasons.append(Reason.HOLDER_MISMATCH)
    return tuple(reasons)


def permit_verify(
    text: str,
    *,
    keys: Mapping[bytes, ec.EllipticCurvePublicKey],
    at: datetime,
    place: Place,
    revoked: Collection[int] = (),
    holder_ids: Collection[str] | None = None,
) -> Verdict:
    """Read, authenticate and check a scanned permit. `keys`: the trust list of purpose "permit" (key id
    -> public key); `revoked`: the serials of the revocation list. Never raises on any text."""
    try:
        signed: SignedPermit = decode(text)
    except PermitCodeError as exc:
        reason = Reason.NOT_A_PERMIT if exc.code == "not_a_permit" else Reason.FORGED
        return Verdict(False, (reason,), detail={"why": str(exc)})
    key = keys.get(signed.kid)
    if key is None:
        return Verdict(False, (Reason.FORGED,), kid=signed.kid, detail={"why": "unknown key"})
    if not signature_valid(signed, key):
        return Verdict(False, (Reason.FORGED,), kid=signed.kid, detail={"why": "bad signature"})
    reasons = permit_check(signed.claim, at=at, place=place, revoked=revoked, holder_ids=holder_ids)
    return Verdict(not reasons, reasons, signed.claim, signed.kid)
