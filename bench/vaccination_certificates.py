"""Issuing and verifying vaccination certificates (EU DCC format) against bare ES256, in one process and run.

    .venv/bin/python bench/vaccination_certificates.py                 # 100,000 people
    .venv/bin/python bench/vaccination_certificates.py --people 20000 --rounds 3

Issuing = the person's health certificate payload built from their record (names in ICAO form, the
dose's value-set codes, a UVCI), the CWT, the COSE_Sign1 ES256 signature (cwt), zlib, base45 and the
`HC1:` text a QR code carries; no PDF, no database write. Verifying = decoding any `HC1:` text through
every step, the key looked up in the trust list, the signature, the validity period and the revocation
list (an in-memory set, as a phone holds it).

Baselines, measured in the same run and interleaved with the real work in slices of 1,000 people:
- bare ES256 with `cryptography` (the library that does the elliptic-curve arithmetic for all of them):
  sign a 300-byte message / verify its signature;
- bare ES256 with the COSE library the issuer uses (cwt 3.3, as it ships): a COSE_Sign1 of the same 300
  bytes / its check. EpiQR signs and checks through cwt with its own DER <-> r||s conversion
  (`dcc._EC2Key`), so issuing can be faster than this baseline; both ratios are printed.
Medians of rounds are reported; the target (issue 12) is at least half the bare signing and verifying rates.
"""

import argparse
import os
import platform
import statistics
import sys
import time
from datetime import UTC, date, datetime, timedelta
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
SLICE = 1000  # people per slice: every kind of work runs a slice in turn, several slices a round
sys.path.insert(0, str(ROOT / "src"))
sys.path.insert(0, str(ROOT))


def machine() -> str:
    model = next(
        (line.split(":", 1)[1].strip() for line in open("/proc/cpuinfo") if line.startswith("model name")),
        "?",
    )
    load = os.getloadavg()
    return f"{os.cpu_count()} CPUs ({model}), Python {platform.python_version()}, load average {load[0]:.1f}"


def people(n: int):
    """Made-up people with their last dose, as the issuing service reads them from the records."""
    import random

    rng = random.Random(12)
    family = ["Nguyễn", "Trần", "Lê", "Phạm", "Hoàng", "Huỳnh", "Phan", "Vũ", "Võ", "Đặng", "Bùi", "Đỗ"]
    middle = ["Văn", "Thị", "Hữu", "Minh", "Thanh", "Ngọc", "Đức", "Thu"]
    given = ["An", "Bình", "Châu", "Dũng", "Hà", "Hạnh", "Khoa", "Lan", "Mai", "Sơn", "Tâm", "Đào"]
    products = ["AZ", "PFIZER", "MODERNA", "VEROCELL"]
    for i in range(n):
        yield {
            "full_name": f"{rng.choice(family)} {rng.choice(middle)} {rng.choice(given)}",
            "dob": date(1940 + i % 70, 1 + i % 12, 1 + i % 28),
            "product": rng.choice(products),
            "number": 2,
            "series": 2,
            "day": date(2021, 9, 1) + timedelta(days=i % 120),
        }


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--people", type=int, default=100_000)
    ap.add_argument("--rounds", type=int, default=5)
    args = ap.parse_args()
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "epiqr.settings")
    import django

    django.setup()
    from cryptography.hazmat.primitives import hashes
    from cryptography.hazmat.primitives.asymmetric import ec
    from cwt import COSE

    from epiqr.vaccination import dcc, schedules
    from epiqr.vaccination.services import _uvci

    key = ec.generate_private_key(ec.SECP256R1())
    public = key.public_key()
    kid = b"benchkid"
    from cryptography.hazmat.primitives import serialization
    from cwt import COSEKey

    cose = COSE.new()
    # the baseline is cwt as it ships (EpiQR's issuer converts the signature with int.to_bytes instead)
    cose_key = COSEKey.from_pem(
        key.private_bytes(
            serialization.Encoding.PEM, serialization.PrivateFormat.PKCS8, serialization.NoEncryption()
        ),
        alg="ES256",
        kid=kid,
    )
    message = os.urandom(300)
    now = datetime.now(UTC)
    expires = now + timedelta(days=365)
    rows = list(people(args.people))
    per_round = max(1, len(rows) // args.rounds)
    revoked: set[str] = {f"URN:UVCI:01:VN:REVOKED{i}" for i in range(1000)}

    def issue(person) -> str:
        product = schedules.PRODUCTS[person["product"]]
        entry = {
            "tg": schedules.TG_COVID19,
            "vp": product.vp,
            "mp": product.mp,
            "ma": product.ma,
            "dn": person["number"],
            "sd": person["series"],
            "dt": person["day"].isoformat(),
            "co": "VN",
            "is": "Bộ Y tế (Ministry of Health of Viet Nam)",
            "ci": _uvci(),
        }
        hcert = dcc.hcert_document(
            full_name=person["full_name"], dob=person["dob"], kind="v", entries=[entry]
        )
        return dcc.encode(hcert, private_key=key, kid=kid, issuer="VN", issued_at=now, expires_at=expires)

    signature = key.sign(message, ec.ECDSA(hashes.SHA256()))
    cose_signed = cose.encode_and_sign(message, cose_key, protected={1: -7, 4: kid}, unprotected={})
    cose_public = COSEKey.from_pem(
        public.public_bytes(serialization.Encoding.PEM, serialization.PublicFormat.SubjectPublicKeyInfo),
        alg="ES256",
        kid=kid,
    )
    rate = {k: [] for k in ("sign", "cose_sign", "issue", "verify", "cose_verify", "check")}
    codes: list[str] = []
    print(f"machine: {machine()}")
    print(f"{args.people} people in {args.rounds} rounds of {per_round}")
    trust = {kid: public}
    for r in range(args.rounds):
        chunk = rows[r * per_round : (r + 1) * per_round]
        n = len(chunk)
        # Each kind runs in slices of SLICE items taken in turn, so that the baselines and the real work
        # share the machine's load of the same seconds (a noisy machine changes speed within a round).
        spent = dict.fromkeys(rate, 0.0)
        issued = []
        valid = 0
        for at in range(0, n, SLICE):
            part = chunk[at : at + SLICE]
            m = len(part)
            t = time.perf_counter()
            for _ in range(m):
                key.sign(message, ec.ECDSA(hashes.SHA256()))
            spent["sign"] += time.perf_counter() - t
            t = time.perf_counter()
            for _ in range(m):
                cose.encode_and_sign(message, cose_key, protected={1: -7, 4: kid}, unprotected={})
            spent["cose_sign"] += time.perf_counter() - t
            t = time.perf_counter()
            codes_now = [issue(p) for p in part]
            spent["issue"] += time.perf_counter() - t
            t = time.perf_counter()
            for _ in range(m):
                public.verify(signature, message, ec.ECDSA(hashes.SHA256()))
            spent["verify"] += time.perf_counter() - t
            t = time.perf_counter()
            for _ in range(m):
                cose.decode(cose_signed, cose_public)
            spent["cose_verify"] += time.perf_counter() - t
            t = time.perf_counter()
            for code in codes_now:
                valid += dcc.verify_code(code, keys=trust.get, at=now, revoked=revoked.__contains__).valid
            spent["check"] += time.perf_counter() - t
            issued += codes_now
        for kind, seconds in spent.items():
            rate[kind].append(n / seconds)
        codes = issued
        if valid != n:
            raise SystemExit(f"only {valid} of {n} issued codes verified")
        print(
            f"round {r + 1}: sign {rate['sign'][-1]:7.0f}/s  cose-sign {rate['cose_sign'][-1]:6.0f}/s  issue "
            f"{rate['issue'][-1]:6.0f}/s | verify {rate['verify'][-1]:7.0f}/s  cose-verify "
            f"{rate['cose_verify'][-1]:6.0f}/s  check {rate['check'][-1]:6.0f}/s"
        )
    med = {k: statistics.median(v) for k, v in rate.items()}
    print()
    print(f"median rates over {args.rounds} rounds (per second):")
    for k, label in (
        ("sign", "bare ES256 sign (cryptography)"),
        ("cose_sign", "bare ES256 COSE_Sign1 (cwt)"),
        ("issue", "certificate issued (payload..HC1: text)"),
        ("verify", "bare ES256 verify (cryptography)"),
        ("cose_verify", "bare ES256 COSE_Sign1 check (cwt)"),
        ("check", "certificate verified (HC1: text..verdict)"),
    ):
        print(f"  {label:42} {med[k]:8.0f}")
    issue_ratios = [i / c for i, c in zip(rate["issue"], rate["cose_sign"], strict=True)]
    check_ratios = [v / c for v, c in zip(rate["check"], rate["cose_verify"], strict=True)]
    print("issuing / bare cwt signing per round:   " + ", ".join(f"{x:.0%}" for x in issue_ratios))
    print("verifying / bare cwt check per round:   " + ", ".join(f"{x:.0%}" for x in check_ratios))
    print(f"issuing / bare cwt signing, median of per-round ratios:   {statistics.median(issue_ratios):.0%}")
    print(f"verifying / bare cwt check, median of per-round ratios:   {statistics.median(check_ratios):.0%}")
    print(f"issuing / bare cwt signing:        {med['issue'] / med['cose_sign']:.0%} (target >= 50%)")
    print(f"issuing / bare cryptography sign:  {med['issue'] / med['sign']:.0%}")
    print(f"verifying / bare cwt check:        {med['check'] / med['cose_verify']:.0%} (target >= 50%)")
    print(f"verifying / bare cryptography:     {med['check'] / med['verify']:.0%}")
    print(f"code length: {statistics.median(len(c) for c in codes):.0f} characters (median)")
    print(f"load average at the end: {os.getloadavg()[0]:.1f}")


if __name__ == "__main__":
    main()
