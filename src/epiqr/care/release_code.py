"""The release paper's code: what it carries and its ES256 signature (no Django import).

Text: `<payload>.<kid>.<signature>`, each part base64url without padding: the payload is compact JSON
(`i` the paper's id, `n` the name, `y` the birth year, `c` the confirmation day, `d` the release day, `p`
the release policy), the kid the 8 bytes of the signing key's id (core.keyring), the signature raw r||s
(64 bytes) over the payload's bytes. The paper's QR holds the verifier's address with the text as `c`.

Contract of `verify(text, keys=, revoked=)`: never raises; `valid` only when the text parses, names a
published key, the signature verifies with it and the paper's id is not revoked; otherwise `reason`
names the first failure ("format", "unknown_key", "signature", "revoked").
"""

from __future__ import annotations

import base64
import json
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from datetime import date

from cryptography.exceptions import InvalidSignature
from cryptography.hazmat.primitives import hashes
from cryptography.hazmat.primitives.asymmetric import ec
from cryptography.hazmat.primitives.asymmetric.utils import decode_dss_signature, encode_dss_signature


@dataclass(frozen=True)
class Release:
    id: str
    name: str
    birth_year: int | None
    confirmed_on: date
    released_on: date
    policy: str


@dataclass(frozen=True)
class Verdict:
    valid: bool
    reason: str
    release: Release | None = None


def _b64(data: bytes) -> str:
    return base64.urlsafe_b64encode(data).rstrip(b"=").decode("ascii")


def _unb64(text: str) -> bytes:
    return base64.urlsafe_b64decode(text + "=" * (-len(text) % 4))


def encode(release: Release, *, kid: bytes, private_key: ec.EllipticCurvePrivateKey) -> str:
    payload = json.dumps(
        {
            "i": release.id,
            "n": release.name,
            "y": release.birth_year,
            "c": release.confirmed_on.isoformat(),
            "d": release.released_on.isoformat(),
            "p": release.policy,
        },
        ensure_ascii=False,
        separators=(",", ":"),
    ).encode("utf-8")
    der = private_key.sign(payload, ec.ECDSA(hashes.SHA256()))
    r, s = decode_dss_signature(der)
    return ".".join((_b64(payload), _b64(kid), _b64(r.to_bytes(32, "big") + s.to_bytes(32, "big"))))


def verify(
    text: str,
    *,
    keys: Mapping[bytes, ec.EllipticCurvePublicKey],
    revoked: Callable[[str], bool] = lambda i: False,
) -> Verdict:
    try:
        payload_b64, kid_b64, sig_b64 = text.strip().split(".")
        payload, kid, sig = _unb64(payload_b64), _unb64(kid_b64), _unb64(sig_b64)
        data = json.loads(payload.decode("utf-8"))
        release = Release(
            id=str(data["i"]),
            name=str(data["n"]),
            birth_year=int(data["y"]) if data.get("y") is not None else None,
            confirmed_on=date.fromisoformat(data["c"]),
            released_on=date.fromisoformat(data["d"]),
            policy=str(data["p"]),
        )
        if len(sig) != 64:
            raise ValueError("signature length")
    except (ValueError, KeyError, TypeError, UnicodeDecodeError, json.JSONDecodeError):
        return Verdict(False, "format")
    key = keys.get(kid)
    if key is None:
        return Verdict(False, "unknown_key")
    der = encode_dss_signature(int.from_bytes(sig[:32], "big"), int.from_bytes(sig[32:], "big"))
    try:
        key.verify(der, payload, ec.ECDSA(hashes.SHA256()))
    except InvalidSignature:
        return Verdict(False, "signature")
    if revoked(release.id):
        return Verdict(False, "revoked", release)
    return Verdict(True, "ok", release)
