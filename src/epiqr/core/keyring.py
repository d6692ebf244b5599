"""Asymmetric signing keys per purpose (ES256), for codes that others check offline.

Codes only EpiQR checks (venue posters, personal QR) use the HMAC of `core.signing`. Codes checked by
other systems or by a phone without a network (vaccination certificates, movement permits) are signed
with an ECDSA P-256 key (ES256) whose public half is published in a trust list. This module is the one
place that knows how.

Purposes are declared by the domain that signs (`purpose("dcc", label=..., max_validity_days=365)` in
its `AppConfig.ready`). Per purpose:
- exactly one ACTIVE key signs (`signer(purpose)`); `epiqr keys rotate PURPOSE` makes a new active key
  and retires the old one;
- a RETIRED key signs nothing but stays in the trust list for `max_validity_days` after its retirement,
  so the codes it signed keep verifying until they expire;
- a WITHDRAWN key (compromised) is out of the trust list at once and its private half is erased: every
  code it signed stops verifying (`epiqr keys withdraw KID`).
Each key comes with a self-signed X.509 certificate (as EU DCC trust lists carry) and its key id is the
first 8 bytes of the SHA-256 of that certificate's DER, as in the EU DCC specification.

Private keys are stored in the database as PKCS#8, encrypted with `EPIQR_KEYRING_SECRET` (a long random
value from the environment; production refuses the development default): a copy of the database gives
no private key. A revocation list per purpose publishes the truncated SHA-256 of each revoked code's
identifier (a DCC's UVCI, a permit's number), never the identifier itself.

Development makes the first key of a purpose on first use; production refuses and says to run
`epiqr keys rotate PURPOSE`.
"""

from __future__ import annotations

import base64
import hashlib
import threading
from dataclasses import dataclass, field
from datetime import datetime, timedelta

from cryptography import x509
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import ec
from cryptography.x509.oid import NameOID

from .models import Revocation, SigningKey

TRUST_LIST_FORMAT = "epiqr-trust-list/1"
REVOCATION_LIST_FORMAT = "epiqr-revocation-list/1"
KID_BYTES = 8  # EU DCC: the first 8 bytes of SHA-256(DER of the signer certificate)
REVOCATION_DIGEST_BYTES = 16  # EU DCC revocation lists also keep the first 128 bits of a SHA-256
CERTIFICATE_YEARS = 5  # the certificate outlives the key's active life plus the codes it signed


class KeyringError(Exception):
    """No usable key (production without a key, an unknown purpose): an operator must act."""


@dataclass(frozen=True)
class Purpose:
    name: str
    label: str
    max_validity_days: int  # the longest a code signed for this purpose stays valid
    country: str = "VN"


_PURPOSES: dict[str, Purpose] = {}


def purpose(name: str, *, label, max_validity_days: int, country: str = "VN") -> Purpose:
    """Declare a signing purpose (idempotent; call from the owning app's `ready`)."""
    if not name.isascii() or not name.isalnum() or name != name.lower() or len(name) > 20:
        raise ValueError("a purpose is a short lowercase ASCII word")
    _PURPOSES[name] = Purpose(name, label, max_validity_days, country)
    return _PURPOSES[name]


def purposes() -> dict[str, Purpose]:
    return dict(_PURPOSES)


def get_purpose(name: str) -> Purpose:
    try:
        return _PURPOSES[name]
    except KeyError:
        raise KeyringError(
            f"unknown signing purpose {name!r}; known: {', '.join(sorted(_PURPOSES))}"
        ) from None


# --- pure pieces: key material, certificate, key id, encryption at rest --------------------------------


def b64(data: bytes) -> str:
    return base64.b64encode(data).decode("ascii")


def b64url(data: bytes) -> str:
    return base64.urlsafe_b64encode(data).rstrip(b"=").decode("ascii")


def kid_of(certificate_der: bytes) -> bytes:
    return hashlib.sha256(certificate_der).digest()[:KID_BYTES]


def new_key_material(*, purpose_name: str, issuer: str, country: str, at: datetime):
    """A fresh P-256 key and its self-signed certificate: (private key, certificate DER, kid)."""
    key = ec.generate_private_key(ec.SECP256R1())
    name = x509.Name(
        [
            x509.NameAttribute(NameOID.COUNTRY_NAME, country),
            x509.NameAttribute(NameOID.ORGANIZATION_NAME, issuer[:64] or "EpiQR"),
            x509.NameAttribute(NameOID.COMMON_NAME, f"EpiQR {purpose_name} signer {at:%Y-%m-%d %H%M%S}"),
        ]
    )
    cert = (
        x509.CertificateBuilder()
        .subject_name(name)
        .issuer_name(name)
        .public_key(key.public_key())
        .serial_number(x509.random_serial_number())
        .not_valid_before(at - timedelta(minutes=5))
        .not_valid_after(at + timedelta(days=365 * CERTIFICATE_YEARS))
        .add_extension(x509.KeyUsage(True, False, False, False, False, False, False, False, False), True)
        .sign(key, hashes.SHA256())
    )
    der = cert.public_bytes(serialization.Encoding.DER)
    return key, der, kid_of(der)


def encrypt_private_key(key: ec.EllipticCurvePrivateKey, secret: str) -> str:
    """PKCS#8 PEM encrypted with the keyring secret (PBES2, AES-256)."""
    return key.private_bytes(
        serialization.Encoding.PEM,
        serialization.PrivateFormat.PKCS8,
        serialization.BestAvailableEncryption(secret.encode()),
    ).decode("ascii")


def decrypt_private_key(pem: str, secret: str) -> ec.EllipticCurvePrivateKey:
    try:
        key = serialization.load_pem_private_key(pem.encode("ascii"), password=secret.encode())
    except (ValueError, TypeError) as exc:
        raise KeyringError(
            "a private key cannot be decrypted: EPIQR_KEYRING_SECRET is not the one it was stored with"
        ) from exc
    if not isinstance(key, ec.EllipticCurvePrivateKey):
        raise KeyringError("a stored key is not an EC key")
    return key


def public_jwk(public_key: ec.EllipticCurvePublicKey, kid: bytes) -> dict:
    numbers = public_key.public_numbers()
    return {
        "kty": "EC",
        "crv": "P-256",
        "x": b64url(numbers.x.to_bytes(32, "big")),
        "y": b64url(numbers.y.to_bytes(32, "big")),
        "kid": b64(kid),
        "alg": "ES256",
        "use": "sig",
    }


def identifier_digest(identifier: str) -> str:
    """What a revocation list publishes for a code's identifier: base64 of the first 128 bits of the
    SHA-256 of the identifier (trimmed, uppercase), so the list names no certificate or person."""
    canonical = identifier.strip().upper().encode("utf-8", "surrogatepass")
    return b64(hashlib.sha256(canonical).digest()[:REVOCATION_DIGEST_BYTES])


# --- reads (the database), with a small per-process cache of decrypted keys ----------------------------


@dataclass(frozen=True)
class Signer:
    purpose: str
    kid: bytes
    private_key: ec.EllipticCurvePrivateKey = field(repr=False)
    certificate_der: bytes = field(repr=False)

    @property
    def public_key(self) -> ec.EllipticCurvePublicKey:
        return self.private_key.public_key()


_decrypted: dict[str, ec.EllipticCurvePrivateKey] = {}
_lock = threading.Lock()


def _secret() -> str:
    from django.conf import settings

    return settings.EPIQR_KEYRING_SECRET


def signer(purpose_name: str) -> Signer:
    """The active key of a purpose. One small query; the decrypted key is cached per process by kid, so
    a rotation takes effect on every worker at its next signature."""
    from django.conf import settings

    get_purpose(purpose_name)
    row = (
        SigningKey.objects.filter(purpose=purpose_name, status=SigningKey.Status.ACTIVE)
        .only("kid", "private_key", "certificate")
        .first()
    )
    if row is None:
        if settings.PRODUCTION:
            raise KeyringError(
                f"no active signing key for {purpose_name!r}: run `epiqr keys rotate {purpose_name}`"
            )
        from .services import signing_key_rotate

        row = signing_key_rotate(purpose=purpose_name, actor=None, reason="first use in development")
    with _lock:
        key = _decrypted.get(row.kid)
        if key is None:
            key = _decrypted[row.kid] = decrypt_private_key(row.private_key, _secret())
    return Signer(purpose_name, base64.b64decode(row.kid), key, bytes(row.certificate))


@dataclass(frozen=True)
class PublishedKey:
    kid: bytes
    status: str
    public_key: ec.EllipticCurvePublicKey
    certificate_der: bytes
    created_at: datetime
    retired_at: datetime | None
    verify_until: datetime | None


def published_keys(purpose_name: str, *, at: datetime | None = None) -> list[PublishedKey]:
    """Keys whose signatures verify now: the active one and retired ones within their verify window."""
    from django.db.models import Q
    from django.utils import timezone

    at = at or timezone.now()
    rows = SigningKey.objects.filter(
        Q(status=SigningKey.Status.ACTIVE) | Q(status=SigningKey.Status.RETIRED, verify_until__gt=at),
        purpose=purpose_name,
    ).order_by("-created_at")
    out = []
    for row in rows:
        der = bytes(row.certificate)
        out.append(
            PublishedKey(
                kid=base64.b64decode(row.kid),
                status=row.status,
                public_key=x509.load_der_x509_certificate(der).public_key(),
                certificate_der=der,
                created_at=row.created_at,
                retired_at=row.retired_at,
                verify_until=row.verify_until,
            )
        )
    return out


def withdrawn_kids(purpose_name: str) -> list[str]:
    return list(
        SigningKey.objects.filter(purpose=purpose_name, status=SigningKey.Status.WITHDRAWN)
        .order_by("withdrawn_at")
        .values_list("kid", flat=True)
    )


def _iso(dt: datetime | None) -> str | None:
    return dt.isoformat().replace("+00:00", "Z") if dt else None


def trust_list(purpose_name: str, *, base_url: str = "") -> dict:
    """The published trust list of a purpose (JSON-ready): every key that verifies now, with its JWK and
    certificate, and the ids of withdrawn keys (so a verifier can say why a code fails)."""
    from django.conf import settings
    from django.utils import timezone

    p = get_purpose(purpose_name)
    keys = published_keys(purpose_name)
    return {
        "format": TRUST_LIST_FORMAT,
        "purpose": p.name,
        "issuer": settings.EPIQR_KEYRING_ISSUER,
        "country": p.country,
        "generated_at": _iso(timezone.now()),
        "keys": [
            {
                "kid": b64(k.kid),
                "alg": "ES256",
                "status": k.status,
                "created_at": _iso(k.created_at),
                "retired_at": _iso(k.retired_at),
                "verify_until": _iso(k.verify_until),
                "jwk": public_jwk(k.public_key, k.kid),
                "certificate": b64(k.certificate_der),
            }
            for k in keys
        ],
        "withdrawn": withdrawn_kids(purpose_name),
        "revocation_list": f"{base_url}/trust/{p.name}/revocations.json",
    }


def revocation_list(purpose_name: str) -> dict:
    from django.utils import timezone

    p = get_purpose(purpose_name)
    rows = (
        Revocation.objects.filter(purpose=p.name)
        .order_by("revoked_at", "id")
        .values_list("digest", "revoked_at")
    )
    return {
        "format": REVOCATION_LIST_FORMAT,
        "purpose": p.name,
        "generated_at": _iso(timezone.now()),
        "digest": f"base64(sha256(upper(trim(identifier)))[:{REVOCATION_DIGEST_BYTES}])",
        "entries": [{"digest": d, "revoked_at": _iso(at)} for d, at in rows],
    }


def is_revoked(purpose_name: str, identifier: str) -> bool:
    return Revocation.objects.filter(purpose=purpose_name, digest=identifier_digest(identifier)).exists()
