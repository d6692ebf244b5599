"""The movement permit's QR payload (giấy đi đường): compact CBOR signed with ES256, in base45.

Contract (version 1), no Django import:

    text      = "GD1:" + base45(message || signature)
    message   = CBOR array [kid, serial, holder, name, purpose, from, until, weekdays, start, end, area, plate]
    signature = raw ECDSA P-256 / SHA-256 (r || s, 64 bytes) over CONTEXT || message

- `kid` (bytes, at most 16): the id of the signing key in the published trust list (purpose "permit").
- `serial`: the permit's number; the revocation list names serials.
- `holder`: the ID number as an integer "1" + digits (keeps the leading zeros of a CCCD such as
  001...), or text for a passport number.
- `name`: the holder's name in ASCII capitals (what the officer compares with the card), at most 30.
- `purpose`: a small integer (checkpoints.models.Purpose).
- `from`/`until`: days since 2020-01-01, both included, Vietnam local days.
- `weekdays`: bit 0 Monday ... bit 6 Sunday.
- `start`/`end`: minutes of the local day, [start, end); start > end is a window over midnight, which
  belongs to the weekday it starts on; start == end means all day.
- `area`: province codes as negative integers, commune codes as positive ones; empty means anywhere.
- `plate`: the vehicle plate in capitals without spaces, or "".

Only base45's 45 characters (the QR alphanumeric set) appear in the text, so the QR uses alphanumeric
mode: about 190 characters, QR version 8 at level M (bench/checkpoints_permits.py measures it). A
checkpoint verifies it with the public key alone; the script of the checkpoint page (static
checkpoints/verify.js) implements the same contract with WebCrypto.
"""

from __future__ import annotations

import re
from collections.abc import Callable
from dataclasses import dataclass
from datetime import date, timedelta

import base45
import cbor2
import numpy as np
from cryptography.exceptions import InvalidSignature
from cryptography.hazmat.primitives import hashes
from cryptography.hazmat.primitives.asymmetric import ec
from cryptography.hazmat.primitives.asymmetric.utils import decode_dss_signature, encode_dss_signature

PREFIX = "GD1:"
CONTEXT = (
    b"EpiQR movement permit v1\x00"  # signed with the message: a signature made for anything else never fits
)
EPOCH = date(2020, 1, 1)
SIGNATURE_BYTES = 64
NAME_MAX = 30
PLATE_MAX = 12
KID_MAX = 16
MAX_TEXT = 600  # no permit is longer; a longer scan is refused before any decoding
FIELDS = 12
_NAME_OK = re.compile(r"[A-Z ]*")
_PLATE_OK = re.compile(r"[A-Z0-9.\-]*")


class PermitCodeError(ValueError):
    """The text is not a readable permit; `code` is "not_a_permit" (another kind of code) or "malformed"."""

    def __init__(self, code: str, message: str):
        super().__init__(message)
        self.code = code


@dataclass(frozen=True)
class PermitClaim:
    serial: int
    holder_id: str
    holder_name: str
    purpose: int
    valid_from: date
    valid_until: date
    weekdays: int  # bit 0 Monday ... bit 6 Sunday
    start_minute: int
    end_minute: int
    provinces: tuple[int, ...] = ()
    communes: tuple[int, ...] = ()
    plate: str = ""


@dataclass(frozen=True)
class SignedPermit:
    kid: bytes
    claim: PermitClaim
    message: bytes  # what the signature covers, after CONTEXT
    signature: bytes  # r || s


Signer = Callable[[bytes], bytes]  # CONTEXT || message -> raw 64-byte signature


def _day(n: int) -> date:
    return EPOCH + timedelta(days=n)


def _days(d: date) -> int:
    return (d - EPOCH).days


def _holder_value(holder_id: str) -> int | str:
    if holder_id.isascii() and holder_id.isdigit():
        return int("1" + holder_id)
    return holder_id


def claim_problems(claim: PermitClaim) -> list[str]:
    """What makes a claim unencodable (empty when it is fine); the services check this before signing."""
    out = []
    if not 0 < claim.serial < 2**53:  # 2**53: the largest integer the page's script reads exactly
        out.append("serial")
    if not claim.holder_id or len(claim.holder_id) > 20 or not claim.holder_id.isascii():
        out.append("holder_id")
    if len(claim.holder_name) > NAME_MAX or not _NAME_OK.fullmatch(claim.holder_name):
        out.append("holder_name")
    if not 0 <= claim.purpose < 24:
        out.append("purpose")
    if claim.valid_from < EPOCH or claim.valid_until < claim.valid_from or _days(claim.valid_until) > 65535:
        out.append("validity")
    if not 0 < claim.weekdays < 128:
        out.append("weekdays")
    if not (0 <= claim.start_minute < 1440 and 0 <= claim.end_minute <= 1440):
        out.append("hours")
    if any(not 0 < p < 1000 for p in claim.provinces) or any(not 0 < c < 10**6 for c in claim.communes):
        out.append("area")
    if len(claim.plate) > PLATE_MAX or not _PLATE_OK.fullmatch(claim.plate):
        out.append("plate")
    return out


def message_bytes(claim: PermitClaim, *, kid: bytes) -> bytes:
    """The CBOR message of a claim (what is signed, after CONTEXT)."""
    problems = claim_problems(claim)
    if problems or not 0 < len(kid) <= KID_MAX:
        raise PermitCodeError("malformed", f"claim cannot be encoded: {', '.join(problems) or 'kid'}")
    area = [-p for p in claim.provinces] + list(claim.communes)
    return cbor2.dumps(
        [
            kid,
            claim.serial,
            _holder_value(claim.holder_id),
            claim.holder_name,
            claim.purpose,
            _days(claim.valid_from),
            _days(claim.valid_until),
            claim.weekdays,
            claim.start_minute,
            claim.end_minute,
            area,
            claim.plate,
        ]
    )


def encode(claim: PermitClaim, *, kid: bytes, sign: Signer) -> str:
    """The QR text of a claim, signed by `sign` (the keyring's signer for purpose "permit")."""
    message = message_bytes(claim, kid=kid)
    signature = sign(CONTEXT + message)
    if len(signature) != SIGNATURE_BYTES:
        raise ValueError("the signer must return a raw 64-byte P-256 signature")
    return PREFIX + base45.b45encode(message + signature).decode("ascii")


def es256_signer(private_key: ec.EllipticCurvePrivateKey) -> Signer:
    """A Signer over a P-256 private key, giving the raw r || s form the QR carries."""

    def sign(data: bytes) -> bytes:
        r, s = decode_dss_signature(private_key.sign(data, ec.ECDSA(hashes.SHA256())))
        return r.to_bytes(32, "big") + s.to_bytes(32, "big")

    return sign


_B45 = "0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZ $%*+-./:"
_B45_VALUE = np.full(256, 255, dtype=np.uint8)
_B45_VALUE[np.frombuffer(_B45.encode("ascii"), dtype=np.uint8)] = np.arange(45, dtype=np.uint8)


_B45_WEIGHTS = np.array([1, 45, 2025], dtype=np.uint32)


def b45decode(text: str) -> bytes:
    """base45 (RFC 9285) over whole arrays: the scanned text is decoded before every check, so it is
    kept cheap next to the signature verification (the `base45` package loops in Python)."""
    if not text.isascii():
        raise ValueError("not base45")
    values = _B45_VALUE[np.frombuffer(text.encode("ascii"), dtype=np.uint8)]
    if len(values) % 3 == 1 or (len(values) and values.max() == 255):
        raise ValueError("not base45")
    whole = len(values) - len(values) % 3
    numbers = values[:whole].reshape(-1, 3).astype(np.uint32) @ _B45_WEIGHTS
    if len(numbers) and numbers.max() > 0xFFFF:
        raise ValueError("not base45")
    blob = numbers.astype(">u2").tobytes()
    if whole < len(values):
        last = int(values[whole]) + 45 * int(values[whole + 1])
        if last > 0xFF:
            raise ValueError("not base45")
        blob += bytes([last])
    return blob


def _malformed(why: str) -> PermitCodeError:
    return PermitCodeError("malformed", why)


def decode(text: str) -> SignedPermit:
    """Read a permit's QR text without checking its signature (see signature_valid); PermitCodeError for
    anything that is not a well-formed version-1 permit. Never raises anything else, whatever the input."""
    if not isinstance(text, str):
        raise PermitCodeError("not_a_permit", "not text")
    text = text.strip()
    if not text.startswith(PREFIX):
        raise PermitCodeError("not_a_permit", "not a movement permit")
    if len(text) > MAX_TEXT:
        raise _malformed("too long")
    try:
        raw = b45decode(text[len(PREFIX) :])
    except (ValueError, TypeError) as exc:
        raise _malformed("not base45") from exc
    if len(raw) <= SIGNATURE_BYTES:
        raise _malformed("too short")
    message, signature = raw[:-SIGNATURE_BYTES], raw[-SIGNATURE_BYTES:]
    try:
        fields = cbor2.loads(message)
    except Exception as exc:  # noqa: BLE001 - cbor2 raises several types on garbage; all mean "malformed"
        raise _malformed("not CBOR") from exc
    signed = SignedPermit(_kid(fields), _claim(fields), message, signature)
    try:
        canonical = (
            cbor2.dumps(fields) == message
        )  # one encoding only: no trailing bytes, no non-minimal forms
    except Exception as exc:  # noqa: BLE001 - a value cbor2 reads but cannot write back is not ours either
        raise _malformed("not canonical") from exc
    if not canonical:
        raise _malformed("not canonical")
    return signed


def _kid(fields) -> bytes:
    if not isinstance(fields, list) or len(fields) != FIELDS:
        raise _malformed("wrong number of fields")
    kid = fields[0]
    if not isinstance(kid, bytes) or not 0 < len(kid) <= KID_MAX:
        raise _malformed("bad key id")
    return kid


def _int(value, low: int, high: int, what: str) -> int:
    if type(value) is not int or not low <= value <= high:
        raise _malformed(f"bad {what}")
    return value


def _text(value, what: str, limit: int) -> str:
    if not isinstance(value, str) or len(value) > limit:
        raise _malformed(f"bad {what}")
    return value


def _claim(fields: list) -> PermitClaim:
    _k, serial, holder, name, purpose, start_day, end_day, weekdays, start, end, area, plate = fields
    if type(holder) is int and holder >= 10:
        holder_id = str(holder)[1:]
    elif isinstance(holder, str) and 0 < len(holder) <= 20 and holder.isascii():
        holder_id = holder
    else:
        raise _malformed("bad holder")
    if not isinstance(area, list) or len(area) > 64:
        raise _malformed("bad area")
    for code in area:
        _int(code, -999, 10**6 - 1, "area")
    claim = PermitClaim(
        serial=_int(serial, 1, 2**53 - 1, "serial"),
        holder_id=holder_id,
        holder_name=_text(name, "name", NAME_MAX),
        purpose=_int(purpose, 0, 23, "purpose"),
        valid_from=_day(_int(start_day, 0, 65535, "validity")),
        valid_until=_day(_int(end_day, 0, 65535, "validity")),
        weekdays=_int(weekdays, 1, 127, "weekdays"),
        start_minute=_int(start, 0, 1439, "hours"),
        end_minute=_int(end, 0, 1440, "hours"),
        provinces=tuple(-c for c in area if c < 0),
        communes=tuple(c for c in area if c > 0),
        plate=_text(plate, "plate", PLATE_MAX),
    )
    return claim


def public_key_from_point(point: bytes) -> ec.EllipticCurvePublicKey:
    """A P-256 public key from its uncompressed point (65 bytes), as the trust list publishes it."""
    return ec.EllipticCurvePublicKey.from_encoded_point(ec.SECP256R1(), point)


def signature_valid(signed: SignedPermit, public_key: ec.EllipticCurvePublicKey) -> bool:
    """True when `signed` was signed by the private half of `public_key`."""
    r = int.from_bytes(signed.signature[:32], "big")
    s = int.from_bytes(signed.signature[32:], "big")
    if not (0 < r and 0 < s):
        return False
    try:
        public_key.verify(encode_dss_signature(r, s), CONTEXT + signed.message, ec.ECDSA(hashes.SHA256()))
    except InvalidSignature:
        return False
    return True
