"""EU Digital COVID Certificate (DCC) format: encode and verify `HC1:` codes (no Django import).

The chain (eHealth Network, "Electronic Health Certificates" specification v1.0.5 and the DCC JSON
schema v1.3.0): the health certificate (`hcert`: `ver`, `nam`, `dob`, and `v`, `t` or `r` entries) is
claim -260/1 of a CWT (claims 1 issuer, 4 expiry, 6 issued-at), signed as a COSE_Sign1 (protected header:
alg ES256 = -7 and the 8-byte key id), compressed with zlib, base45-encoded and prefixed with `HC1:`.
Maintained libraries do each step: cbor2 (CBOR), cwt (COSE_Sign1 signing and verification), b45 (base45
over numpy arrays: eight times the pure-Python `base45` package, which dominated issuing), zlib; this
module only arranges them and says, in words a verifier shows, why a code is refused.

Contract of `verify_code`: never raises on any text; answers a `Verdict` whose `reason` is one of
REASONS ("valid" when it is). A code is valid only if it decodes, names a key of the trust list, its
signature verifies with that key, it is inside its validity period and no entry of it is revoked.
"""

from __future__ import annotations

import base64
import functools
import io
import threading
import unicodedata
import zlib
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import UTC, date, datetime

import b45
import cbor2
import numpy as np
from cryptography import x509
from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric.utils import decode_dss_signature, encode_dss_signature
from cwt import COSE, COSEKey
from cwt.algs.ec2 import EC2Key
from cwt.exceptions import EncodeError

PREFIX = "HC1:"
CLAIM_ISSUER, CLAIM_EXPIRY, CLAIM_ISSUED_AT, CLAIM_HCERT = 1, 4, 6, -260
HEADER_ALG, HEADER_KID = 1, 4
ALG_NAMES = {-7: "ES256", -37: "PS256", -35: "ES384", -36: "ES512"}
CLOCK_SKEW_SECONDS = 300  # a verifier's clock may be a few minutes behind the issuer's
MAX_CODE_CHARS = 8000  # a DCC is a few hundred characters; refuse a novel before decoding it
MAX_INFLATED_BYTES = 64 * 1024  # and a zip bomb

REASONS = (
    "valid",
    "malformed",  # not an HC1 code, or its base45, zlib, CBOR or COSE structure is broken
    "unknown_key",  # signed by a key that is not in the trust list
    "withdrawn_key",  # signed by a key withdrawn from the trust list (compromised)
    "bad_signature",  # the signature does not match the content: altered or forged
    "expired",
    "not_yet_valid",
    "revoked",  # issued in error and revoked by its issuer
)


class DccError(ValueError):
    def __init__(self, reason: str, detail: str):
        super().__init__(detail)
        self.reason = reason
        self.detail = detail


# --- names: ICAO 9303 transliteration ------------------------------------------------------------------


@functools.lru_cache(maxsize=16384)
def transliterate(name: str) -> str:
    """ICAO Doc 9303 machine-readable form of a name as the DCC `fnt`/`gnt` fields want it: uppercase A-Z,
    diacritics removed (Vietnamese Đ/đ becomes D), spaces and hyphens become '<', anything else is dropped;
    at most 80 characters. "Nguyễn Thị Đào" -> "NGUYEN<THI<DAO"."""
    text = name.replace("Đ", "D").replace("đ", "d")
    text = unicodedata.normalize("NFKD", text)
    out = []
    for ch in text.upper():
        if "A" <= ch <= "Z":
            out.append(ch)
        elif ch in " -<" or ch.isspace():
            out.append("<")
    joined = "".join(out)
    while "<<" in joined:
        joined = joined.replace("<<", "<")
    return joined.strip("<")[:80]


def split_name(full_name: str) -> tuple[str, str]:
    """Vietnamese order: the family name first, the given names after ("Nguyễn Văn An" -> Nguyễn, Văn An)."""
    parts = full_name.split()
    if len(parts) < 2:
        return full_name.strip(), ""
    return parts[0], " ".join(parts[1:])


# --- encoding ---------------------------------------------------------------------------------------------


class _EC2Key(EC2Key):
    """cwt's EC2 key, converting between the DER signature of `cryptography` and COSE's fixed-size r||s
    with int.to_bytes / int.from_bytes: cwt 3.3's own conversion (`cwt.utils.i2osp`/`os2ip`) is a
    pure-Python digit loop that cost twice the ES256 signature itself when issuing (docs/benchmarks.md).
    The results are byte for byte the same (the independent decoder and the DCC test data check them)."""

    def _der_to_os(self, key_size: int, sig: bytes) -> bytes:
        size = (key_size + 7) // 8
        r, s = decode_dss_signature(sig)
        return r.to_bytes(size, "big") + s.to_bytes(size, "big")

    def _os_to_der(self, key_size: int, sig: bytes) -> bytes:
        size = (key_size + 7) // 8
        if len(sig) != 2 * size:
            raise ValueError("Invalid signature.")
        return encode_dss_signature(int.from_bytes(sig[:size], "big"), int.from_bytes(sig[size:], "big"))


def _cose_key(pem: bytes, *, alg: str, kid: bytes):
    """The cwt key of a PEM key; an elliptic-curve one as `_EC2Key`."""
    key = COSEKey.from_pem(pem, alg=alg, kid=kid)
    return _EC2Key(key.to_dict()) if isinstance(key, EC2Key) else key


_cose_keys: dict[tuple[bytes, int], object] = {}


def _signing_key(private_key, kid: bytes):
    """The cwt key object for a cryptography private key, built once per process and kid."""
    cache_key = (kid, id(private_key))
    found = _cose_keys.get(cache_key)
    if found is None:
        pem = private_key.private_bytes(
            serialization.Encoding.PEM, serialization.PrivateFormat.PKCS8, serialization.NoEncryption()
        )
        found = _cose_keys[cache_key] = _cose_key(pem, alg="ES256", kid=kid)
    return found


class _Cbor(threading.local):
    """cbor2's encoder kept per thread with its buffer: `cbor2.dumps` builds a new CBOREncoder and BytesIO
    on every call, which cost more than encoding a certificate's claims (16 us of a 17 us `dumps(1)`;
    four encodings per certificate, docs/benchmarks.md). Same encoder, same default options: the bytes
    are those of `cbor2.dumps` (tests/vaccination/test_dcc.py checks it)."""

    def __init__(self) -> None:
        self.buffer = io.BytesIO()
        self.encoder = cbor2.CBOREncoder(self.buffer)


_cbor = _Cbor()


def cbor_dumps(obj) -> bytes:
    """`cbor2.dumps(obj)` with this thread's encoder (the buffer emptied first, even after a failure)."""
    buffer = _cbor.buffer
    buffer.seek(0)
    buffer.truncate()
    _cbor.encoder.encode(obj)
    return buffer.getvalue()


class _COSE(COSE):
    """cwt's COSE, encoding its CBOR (protected header, Sig_structure, the COSE_Sign1) through `cbor_dumps`."""

    def _dumps(self, obj) -> bytes:
        try:
            return cbor_dumps(obj)
        except Exception as err:
            raise EncodeError("Failed to encode.") from err


_cose = _COSE.new()


def _cose_context():
    return _cose


def encode(
    hcert: dict, *, private_key, kid: bytes, issuer: str, issued_at: datetime, expires_at: datetime
) -> str:
    """The `HC1:` text of a health certificate signed with ES256 by `private_key` (known as `kid`)."""
    claims = {
        CLAIM_ISSUER: issuer,
        CLAIM_ISSUED_AT: int(issued_at.timestamp()),
        CLAIM_EXPIRY: int(expires_at.timestamp()),
        CLAIM_HCERT: {1: hcert},
    }
    signed = _cose_context().encode_and_sign(
        cbor_dumps(claims),
        _signing_key(private_key, kid),
        protected={HEADER_ALG: -7, HEADER_KID: kid},
        unprotected={},
    )
    return PREFIX + b45.encode(_deflate(signed))


# A DCC's COSE is a few hundred bytes, mostly a signature and random identifiers: zlib's fastest level
# packs it as small as level 9 does (0.3 bytes shorter on average over 3,000 certificates of the benchmark,
# at most 6 longer), in one call. The window stays 32 KiB: the header byte 0x78 is how verifiers in the
# field tell a compressed DCC from a bare COSE.
ZLIB_LEVEL = 1


def _deflate(data: bytes) -> bytes:
    return zlib.compress(data, ZLIB_LEVEL)


# --- decoding -------------------------------------------------------------------------------------------


@dataclass
class Decoded:
    cose: bytes  # the COSE_Sign1 as tag 18, what a signature check reads
    protected: dict
    unprotected: dict
    payload: bytes
    claims: dict

    @property
    def kid(self) -> bytes | None:
        """The protected header's key id when there is one (it is signed), else the unprotected one."""
        kid = self.protected.get(HEADER_KID)
        if kid is None:
            kid = self.unprotected.get(HEADER_KID)
        return kid if isinstance(kid, bytes) else None

    @property
    def alg(self) -> int | None:
        alg = self.protected.get(HEADER_ALG, self.unprotected.get(HEADER_ALG))
        return alg if isinstance(alg, int) else None

    @property
    def hcert(self) -> dict:
        inner = self.claims.get(CLAIM_HCERT)
        hcert = inner.get(1) if isinstance(inner, dict) else None
        if not isinstance(hcert, dict):
            raise DccError("malformed", "no health certificate (claim -260/1) in the CWT")
        return hcert

    def moment(self, claim: int) -> datetime | None:
        value = self.claims.get(claim)
        if isinstance(value, int | float) and not isinstance(value, bool) and 0 <= value < 2**40:
            return datetime.fromtimestamp(value, tz=UTC)
        return None


def unprefix(text: str) -> str:
    text = (text or "").strip()
    if not text.startswith(PREFIX):
        raise DccError("malformed", "not an HC1: code")
    return text[len(PREFIX) :]


def decode(text: str) -> Decoded:
    """Every step from the scanned text to the CWT claims; DccError("malformed", why) at the first that fails."""
    if len(text or "") > MAX_CODE_CHARS:
        raise DccError("malformed", "too long for a certificate")
    return decode_cose(inflate(base45_decode(unprefix(text))))


_BASE45_ALPHABET = "0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZ $%*+-./:"
_BASE45_VALUE = np.full(256, 45, dtype=np.uint32)  # 45: not a base45 character
_BASE45_VALUE[[ord(ch) for ch in _BASE45_ALPHABET]] = np.arange(45, dtype=np.uint32)
_BASE45_WEIGHTS = np.array([1, 45, 45 * 45], dtype=np.uint32)


def base45_decode(text: str) -> bytes:
    """RFC 9285 decoding that refuses what is not base45. b45 itself maps any character and wraps a
    triplet above 65535 silently, so the alphabet, the length and every group's value are checked first
    (one vectorised pass: cheaper than encoding the bytes back and comparing, which it replaces)."""
    try:
        raw = text.encode("ascii")
    except UnicodeEncodeError as exc:
        raise DccError("malformed", "not base45") from exc
    values = _BASE45_VALUE[np.frombuffer(raw, dtype=np.uint8)]
    full = len(values) // 3 * 3
    tail = len(values) - full
    if (
        tail == 1
        or (len(values) and int(values.max()) >= 45)
        or (full and int((values[:full].reshape(-1, 3) @ _BASE45_WEIGHTS).max()) > 0xFFFF)
        or (tail == 2 and int(values[full] + 45 * values[full + 1]) > 0xFF)
    ):
        raise DccError("malformed", "not base45")
    return bytes(b45.decode(text))


def inflate(data: bytes) -> bytes:
    """zlib-inflate a DCC; an uncompressed COSE (allowed by the specification) is passed through."""
    if data[:1] != b"\x78":
        return data
    try:
        inflater = zlib.decompressobj()
        out = inflater.decompress(data, MAX_INFLATED_BYTES)
    except zlib.error as exc:
        raise DccError("malformed", "not zlib") from exc
    if inflater.unconsumed_tail:
        raise DccError("malformed", "too large once inflated")
    if not inflater.eof:  # a damaged stream can stop short with its output complete and no error from zlib
        raise DccError("malformed", "zlib stream truncated or damaged")
    return out


def decode_cose(raw: bytes) -> Decoded:
    try:
        obj = cbor2.loads(raw)
    except Exception as exc:  # cbor2 raises several kinds for broken input
        raise DccError("malformed", "not CBOR") from exc
    while isinstance(obj, cbor2.CBORTag) and obj.tag == 61:  # an outer CWT tag around the COSE_Sign1
        obj = obj.value
    if isinstance(obj, cbor2.CBORTag):
        if obj.tag != 18:
            raise DccError("malformed", f"CBOR tag {obj.tag} is not a COSE_Sign1")
        obj = obj.value
    if not (isinstance(obj, list) and len(obj) == 4):
        raise DccError("malformed", "not a COSE_Sign1 structure")
    protected_bytes, unprotected, payload, signature = obj
    if (
        not isinstance(protected_bytes, bytes)
        or not isinstance(payload, bytes)
        or not isinstance(signature, bytes)
    ):
        raise DccError("malformed", "COSE_Sign1 fields of the wrong type")
    if not isinstance(unprotected, dict):
        raise DccError("malformed", "COSE_Sign1 unprotected header is not a map")
    try:
        protected = cbor2.loads(protected_bytes) if protected_bytes else {}
        claims = cbor2.loads(payload)
    except Exception as exc:
        raise DccError("malformed", "COSE header or payload is not CBOR") from exc
    if not isinstance(protected, dict) or not isinstance(claims, dict):
        raise DccError("malformed", "COSE header or CWT claims are not maps")
    if raw[:1] == b"\xd2":  # already the tagged COSE_Sign1 a signature check reads: no need to re-encode it
        cose = raw
    else:
        cose = cbor2.dumps(cbor2.CBORTag(18, [protected_bytes, unprotected, payload, signature]))
    return Decoded(cose=cose, protected=protected, unprotected=unprotected, payload=payload, claims=claims)


_verify_keys: dict[tuple[bytes, int, int], object] = {}


def signature_valid(decoded: Decoded, public_key) -> bool:
    """The COSE_Sign1 signature checked with `public_key` (EC P-256/384/521 or RSA-PSS), through cwt."""
    alg = ALG_NAMES.get(decoded.alg or 0)
    if alg is None:
        return False
    kid = decoded.kid or b""
    cache_key = (kid, id(public_key), decoded.alg or 0)
    key = _verify_keys.get(cache_key)
    if key is None:
        pem = public_key.public_bytes(
            serialization.Encoding.PEM, serialization.PublicFormat.SubjectPublicKeyInfo
        )
        try:
            key = _cose_key(pem, alg=alg, kid=kid)
        except Exception:  # a key of another kind than the code's algorithm
            return False
        if len(_verify_keys) > 1000:
            _verify_keys.clear()
        _verify_keys[cache_key] = key
    try:
        _cose_context().decode(decoded.cose, key)
    except Exception:  # cwt raises VerifyError, DecodeError or ValueError for a failed check
        return False
    return True


# --- the verdict ------------------------------------------------------------------------------------------


@dataclass
class Verdict:
    valid: bool
    reason: str
    detail: str = ""
    family_name: str = ""
    given_name: str = ""
    date_of_birth: str = ""
    kind: str = ""  # v, t or r
    entries: list = field(default_factory=list)
    issuer: str = ""
    kid: str = ""
    issued_at: datetime | None = None
    expires_at: datetime | None = None
    identifiers: list = field(default_factory=list)  # UVCIs


def _holder(verdict: Verdict, hcert: dict) -> None:
    raw = hcert.get("nam")
    nam = raw if isinstance(raw, dict) else {}
    verdict.family_name = str(nam.get("fn") or nam.get("fnt") or "")[:80]
    verdict.given_name = str(nam.get("gn") or nam.get("gnt") or "")[:80]
    verdict.date_of_birth = str(hcert.get("dob") or "")[:10]
    for kind in ("v", "t", "r"):
        entries = hcert.get(kind)
        if isinstance(entries, list) and entries:
            verdict.kind = kind
            verdict.entries = [e for e in entries if isinstance(e, dict)][:10]
            verdict.identifiers = [str(e.get("ci")) for e in verdict.entries if e.get("ci")]
            break


def verify_code(
    text: str,
    *,
    keys: Callable[[bytes], object | None],
    at: datetime,
    withdrawn: Callable[[bytes], bool] = lambda kid: False,
    revoked: Callable[[str], bool] = lambda identifier: False,
) -> Verdict:
    """Decode and check a scanned code against a trust list (`keys(kid)` -> public key or None)."""
    try:
        decoded = decode(text)
        hcert = decoded.hcert
    except DccError as exc:
        return Verdict(False, exc.reason, exc.detail)
    verdict = Verdict(False, "valid")
    _holder(verdict, hcert)
    verdict.issuer = str(decoded.claims.get(CLAIM_ISSUER) or "")[:40]
    verdict.issued_at = decoded.moment(CLAIM_ISSUED_AT)
    verdict.expires_at = decoded.moment(CLAIM_EXPIRY)
    kid = decoded.kid
    verdict.kid = base64.b64encode(kid).decode() if kid else ""
    public_key = keys(kid) if kid else None
    if public_key is None:
        verdict.reason = "withdrawn_key" if kid and withdrawn(kid) else "unknown_key"
        return verdict
    if not signature_valid(decoded, public_key):
        verdict.reason = "bad_signature"
        return verdict
    if verdict.expires_at is None or verdict.issued_at is None:
        verdict.reason, verdict.detail = "malformed", "no issued-at or expiry in the CWT"
        return verdict
    if at.timestamp() > verdict.expires_at.timestamp():
        verdict.reason = "expired"
        return verdict
    if verdict.issued_at.timestamp() > at.timestamp() + CLOCK_SKEW_SECONDS:
        verdict.reason = "not_yet_valid"
        return verdict
    if any(revoked(identifier) for identifier in verdict.identifiers):
        verdict.reason = "revoked"
        return verdict
    verdict.valid = True
    return verdict


def validity_ok(decoded: Decoded, at: datetime) -> bool:
    """Issued-at <= `at` <= expiry, with no clock skew: the DCC test data's EXPECTEDEXPIRATIONCHECK."""
    issued, expires = decoded.moment(CLAIM_ISSUED_AT), decoded.moment(CLAIM_EXPIRY)
    if issued is None or expires is None:
        return False
    return issued.timestamp() <= at.timestamp() <= expires.timestamp()


# --- payload builders ---------------------------------------------------------------------------------


def names(full_name: str) -> dict:
    family, given = split_name(full_name)
    return {"fn": family, "fnt": transliterate(family), "gn": given, "gnt": transliterate(given)}


def hcert_document(
    *, full_name: str, dob: date | str, kind: str, entries: list[dict], version: str = "1.3.0"
) -> dict:
    return {
        "ver": version,
        "nam": names(full_name),
        "dob": dob if isinstance(dob, str) else dob.isoformat(),
        kind: entries,
    }


# --- signer certificates that restrict what they may sign (extended key usage) --------------------------

# eHealth Network, "Technical specifications for EU DCC, volume 1": a Document Signer certificate may
# carry these extended key usages; with any of them it signs only those types (none: every type).
KEY_USAGE = {
    "t": ("1.3.6.1.4.1.1847.2021.1.1", "1.3.6.1.4.1.0.1847.2021.1.1"),
    "v": ("1.3.6.1.4.1.1847.2021.1.2", "1.3.6.1.4.1.0.1847.2021.1.2"),
    "r": ("1.3.6.1.4.1.1847.2021.1.3", "1.3.6.1.4.1.0.1847.2021.1.3"),
}


def key_usage_allows(certificate_der: bytes, kind: str) -> bool:
    """Whether a signer certificate may sign a certificate of `kind` (v, t or r)."""
    try:
        usages = (
            x509.load_der_x509_certificate(certificate_der)
            .extensions.get_extension_for_class(x509.ExtendedKeyUsage)
            .value
        )
    except (x509.ExtensionNotFound, ValueError):
        return True  # no usage listed (an empty extension included: test case common/CO15): every type
    dotted = {u.dotted_string for u in usages}
    restricting = {oid for oids in KEY_USAGE.values() for oid in oids}
    if not dotted & restricting:
        return True
    return bool(dotted & set(KEY_USAGE.get(kind, ())))
