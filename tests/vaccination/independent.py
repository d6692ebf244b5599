"""An independent DCC decoder for tests: base45 written from RFC 9285, zlib, cbor2, and the ES256
signature checked with `cryptography` over the COSE Sig_structure (RFC 9052 §4.4): no code shared with
EpiQR's issuer (which signs through the cwt library and encodes with the b45 package)."""

import zlib

import cbor2
from cryptography.hazmat.primitives import hashes
from cryptography.hazmat.primitives.asymmetric import ec
from cryptography.hazmat.primitives.asymmetric.utils import encode_dss_signature

CHARSET = "0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZ $%*+-./:"


def base45_decode(text: str) -> bytes:
    values = [CHARSET.index(c) for c in text]
    out = bytearray()
    for i in range(0, len(values), 3):
        chunk = values[i : i + 3]
        n = sum(v * 45**k for k, v in enumerate(chunk))
        out += n.to_bytes(2, "big") if len(chunk) == 3 else n.to_bytes(1, "big")
    return bytes(out)


def decode_and_verify(code: str, public_key: ec.EllipticCurvePublicKey) -> dict:
    """The CWT claims of a `HC1:` code whose ES256 signature verifies with `public_key` (else raises)."""
    assert code.startswith("HC1:")
    cose = cbor2.loads(zlib.decompress(base45_decode(code[4:])))
    assert cose.tag == 18
    protected, _unprotected, payload, signature = cose.value
    assert cbor2.loads(protected)[1] == -7  # ES256
    to_be_signed = cbor2.dumps(["Signature1", protected, b"", payload])
    r, s = int.from_bytes(signature[:32], "big"), int.from_bytes(signature[32:], "big")
    public_key.verify(encode_dss_signature(r, s), to_be_signed, ec.ECDSA(hashes.SHA256()))
    return cbor2.loads(payload)


def kid_of(code: str) -> bytes:
    cose = cbor2.loads(zlib.decompress(base45_decode(code[4:])))
    return cbor2.loads(cose.value[0])[4]
