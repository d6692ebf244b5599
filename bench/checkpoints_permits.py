"""Verifying movement permits in process against bare ECDSA P-256 verification, and the permit's QR size.

  .venv/bin/python bench/checkpoints_permits.py [--permits 2000] [--rounds 7]

No database: the pure codec and rules (checkpoints.permit_code, checkpoints.rules) with a key made here.
1. Baseline: `public_key.verify(der_signature, context + message, ECDSA(SHA-256))` for each permit, the
   signature already in DER (the least a verifier must do).
2. Permit: `rules.permit_verify(text, ...)` for the same permits as scanned text: base45 and CBOR decoding,
   key lookup, the raw signature turned into DER, verification, and every rule (dates, weekday, hours,
   area, a 10,000-entry revocation list as digests, as a phone holds it).
Both are timed in alternating chunks of 50 permits (the machine is shared: its load moves from second to
second); medians over rounds of the per-permit time; the target is permit rate >= half the bare rate.
3. The QR version of every permit text at levels L, M and Q (names up to 30 letters, plates, 1-3 areas).
"""

import argparse
import hashlib
import random
import statistics
import sys
import time
from collections import Counter
from dataclasses import replace
from datetime import date, datetime
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent / "src"))
sys.path.insert(0, str(Path(__file__).resolve().parent))


def main() -> None:
    import base64

    import segno
    from checkins_common import machine
    from cryptography.hazmat.primitives import hashes
    from cryptography.hazmat.primitives.asymmetric import ec
    from cryptography.hazmat.primitives.asymmetric.utils import encode_dss_signature

    from epiqr.checkpoints import permit_code as pc
    from epiqr.checkpoints.rules import VN_TZ, Place, permit_verify

    parser = argparse.ArgumentParser()
    parser.add_argument("--permits", type=int, default=2000)
    parser.add_argument("--rounds", type=int, default=7)
    args = parser.parse_args()

    rng = random.Random(14)
    key = ec.generate_private_key(ec.SECP256R1())
    kid = bytes(rng.randrange(256) for _ in range(8))
    sign = pc.es256_signer(key)
    names = ["NGUYEN THI THANH HUONG", "TRAN VAN BINH", "LE MINH CHAU", "PHAM QUOC DUNG", "HOANG THU HA"]
    base = pc.PermitClaim(
        serial=1,
        holder_id="001087012345",
        holder_name=names[0],
        purpose=1,
        valid_from=date(2026, 12, 1),
        valid_until=date(2026, 12, 31),
        weekdays=0b0011111,
        start_minute=360,
        end_minute=1320,
        provinces=(1,),
    )
    texts = []
    for i in range(args.permits):
        claim = replace(
            base,
            serial=100_000 + i,
            holder_id=f"0{rng.randrange(10**10, 10**11)}",
            holder_name=rng.choice(names)[: rng.randrange(10, 31)].strip(),
            communes=tuple(rng.sample(range(1, 30000), rng.randrange(0, 3))),
            plate=rng.choice(["", "29A12345", "30F6789012"]),
        )
        texts.append(pc.encode(claim, kid=kid, sign=sign))
    public = key.public_key()
    signed = [pc.decode(t) for t in texts]
    bare = [
        (
            encode_dss_signature(
                int.from_bytes(s.signature[:32], "big"), int.from_bytes(s.signature[32:], "big")
            ),
            pc.CONTEXT + s.message,
        )
        for s in signed
    ]
    revoked_digests = {
        base64.b64encode(hashlib.sha256(str(n).encode()).digest()[:16]).decode() for n in range(10_000)
    }

    class Revoked:
        def __contains__(self, serial):
            digest = hashlib.sha256(str(serial).encode()).digest()[:16]
            return base64.b64encode(digest).decode() in revoked_digests

    keys = {kid: public}
    at = datetime(2026, 12, 3, 8, 30, tzinfo=VN_TZ)
    place = Place(commune=70, province=1)
    algorithm = ec.ECDSA(hashes.SHA256())
    # The two are measured in alternating chunks of 50 permits, so that a machine shared with others
    # (its load moving from second to second) weighs on both alike.
    bare_us, permit_us = [], []
    chunk = 50
    for _ in range(args.rounds):
        bare_s = permit_s = 0.0
        for i in range(0, len(texts), chunk):
            start = time.perf_counter()
            for der, data in bare[i : i + chunk]:
                public.verify(der, data, algorithm)
            bare_s += time.perf_counter() - start
            start = time.perf_counter()
            for text in texts[i : i + chunk]:
                verdict = permit_verify(text, keys=keys, at=at, place=place, revoked=Revoked())
                assert verdict.claim is not None
            permit_s += time.perf_counter() - start
        bare_us.append(bare_s / len(bare) * 1e6)
        permit_us.append(permit_s / len(texts) * 1e6)
    bare_med, permit_med = statistics.median(bare_us), statistics.median(permit_us)
    print(f"machine: {machine()}")
    print(f"permits: {len(texts)}, rounds: {args.rounds}")
    print(f"bare ECDSA P-256 verify: median {bare_med:.1f} us/permit ({1e6 / bare_med:,.0f}/s)")
    print(
        f"permit_verify (decode + verify + rules): median {permit_med:.1f} us/permit ({1e6 / permit_med:,.0f}/s)"
    )
    print(f"permit rate / bare rate: {bare_med / permit_med:.0%} (target >= 50%)")
    lengths = [len(t) for t in texts]
    print(f"QR text: {min(lengths)}-{max(lengths)} characters (median {statistics.median(lengths):.0f})")
    for level in "lmq":
        versions = Counter(segno.make(t, error=level, micro=False).version for t in texts[:300])
        print(f"QR version at level {level.upper()}: {dict(sorted(versions.items()))} (first 300 permits)")


if __name__ == "__main__":
    main()
