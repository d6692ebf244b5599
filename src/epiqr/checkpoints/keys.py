"""Permits' keys and revocations through the shared keyring (`epiqr.core.keyring`, purpose "permit").

No key is stored here: this module only turns the keyring's answers into what the permit codec and the
pure verifier take (a signer, {kid: public key}, a container of revoked serials).
"""

from __future__ import annotations

from collections.abc import Container

from epiqr.core import keyring
from epiqr.core.services import revocation_add

from . import permit_code

PURPOSE = "permit"
# The longest a permit may run (services.MAX_DAYS) plus a margin: a retired key stays in the trust list
# that long, so permits it signed keep verifying until they expire.
MAX_VALIDITY_DAYS = 92


def declare() -> None:
    from django.utils.translation import gettext_lazy as _

    keyring.purpose(PURPOSE, label=_("Movement permits"), max_validity_days=MAX_VALIDITY_DAYS)


def permit_signer() -> tuple[bytes, permit_code.Signer]:
    """(key id, signer) of the active permit key."""
    signer = keyring.signer(PURPOSE)
    return signer.kid, permit_code.es256_signer(signer.private_key)


def trusted_keys() -> dict:
    """{kid: public key} of every key whose permits verify now (active and recently retired)."""
    return {k.kid: k.public_key for k in keyring.published_keys(PURPOSE)}


class RevokedSerials(Container[int]):
    """The published revocation list as a container of serials: a serial is in it when its digest is."""

    def __init__(self, digests: set[str]):
        self.digests = digests

    def __contains__(self, serial) -> bool:
        return keyring.identifier_digest(str(serial)) in self.digests


def revoked_serials() -> RevokedSerials:
    entries = keyring.revocation_list(PURPOSE)["entries"]
    return RevokedSerials({e["digest"] for e in entries})


def revocation_publish(*, serial: int, actor, reason: str) -> None:
    revocation_add(purpose=PURPOSE, identifier=str(serial), actor=actor, reason=reason)
