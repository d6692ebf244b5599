"""Camera frames: every QR code in a 1920x1080 frame decoded and verified, and how well the people
counters count.

  .venv/bin/python bench/checkpoints_frames.py [--frames 20] [--rounds 3] [--scenes 4] [--skip-codes | --skip-counting]

No database. Frames are made by tests/checkpoints/scenes.py and tests/cameras/people.py (QR codes drawn
with segno on phone screens and paper, perspective-warped, in a street-like background; pedestrians
drawn as upright figures). One process, so "per second" is per core.
1. Codes: each frame holds 4 signed permits (real permit texts, about 200 characters, QR version 8-9 at
   level M). Per frame: zxing-cpp reads every QR (cameras.vision.qr_codes), then each text goes through
   checkpoints.rules.permit_verify (signature and rules). Reported: frames per second (median over
   rounds), codes found / codes present, and the share of the time spent decoding.
2. Counting: scenes of 0-16 people standing apart, and of 6-16 people placed at random (they overlap), for
   the HOG pedestrian detector and the background-subtraction counter (with the empty scene as its
   reference). Reported per counter: exact counts, mean absolute error, mean signed error, ms per frame.
"""

import argparse
import random
import statistics
import sys
import time
from dataclasses import replace
from datetime import date, datetime
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT / "src"))
sys.path.insert(0, str(ROOT))
sys.path.insert(0, str(ROOT / "bench"))


def codes(args) -> None:
    from cryptography.hazmat.primitives.asymmetric import ec

    from epiqr.cameras import vision
    from epiqr.checkpoints import permit_code as pc
    from epiqr.checkpoints.rules import VN_TZ, Place, permit_verify
    from tests.checkpoints.scenes import frame_with_codes

    key = ec.generate_private_key(ec.SECP256R1())
    kid = b"benchkey"
    sign = pc.es256_signer(key)
    base = pc.PermitClaim(
        serial=1, holder_id="001087012345", holder_name="NGUYEN THI THANH HUONG", purpose=1,
        valid_from=date(2026, 12, 1), valid_until=date(2026, 12, 31), weekdays=31, start_minute=360,
        end_minute=1320, provinces=(1,), communes=(70,), plate="29A12345",
    )  # fmt: skip
    frames, present = [], 0
    for f in range(args.frames):
        texts = [pc.encode(replace(base, serial=1000 + 4 * f + i), kid=kid, sign=sign) for i in range(4)]
        frames.append((frame_with_codes(texts, seed=f), texts))
        present += len(texts)
    keys = {kid: key.public_key()}
    at = datetime(2026, 12, 3, 8, 30, tzinfo=VN_TZ)
    place = Place(commune=70, province=1)
    rates, decode_share, found = [], [], 0
    for _ in range(args.rounds):
        found, decode_s = 0, 0.0
        start = time.perf_counter()
        for frame, texts in frames:
            t = time.perf_counter()
            read = vision.qr_codes(frame)
            decode_s += time.perf_counter() - t
            for text in read:
                assert permit_verify(text, keys=keys, at=at, place=place).valid
            found += len(set(read) & set(texts))
        total = time.perf_counter() - start
        rates.append(len(frames) / total)
        decode_share.append(decode_s / total)
    print(f"frames: {len(frames)} of 1920x1080 with 4 permit QR codes each, rounds: {args.rounds}")
    print(f"decode + verify every code: median {statistics.median(rates):.1f} frames/s on one core "
          f"({1000 / statistics.median(rates):.0f} ms/frame; target >= 10 frames/s)")  # fmt: skip
    print(f"codes found: {found}/{present}; decoding is {statistics.median(decode_share):.0%} of the time")


def counting(args) -> None:
    from epiqr.cameras import vision
    from tests.cameras.people import street

    cases = [(n, False) for n in (0, 2, 5, 8, 12, 16) for _ in range(args.scenes)]
    cases += [(n, True) for n in (6, 10, 16) for _ in range(args.scenes)]
    rng = random.Random(7)
    for name, count in (
        ("hog", lambda empty, frame: vision.count_hog(frame).people),
        ("blobs", lambda empty, frame: vision.count_blobs(frame, empty).people),
    ):
        for overlap in (False, True):
            errors, exact, ms = [], 0, []
            for n, ov in cases:
                if ov != overlap:
                    continue
                empty, frame, _boxes = street(n, seed=rng.randrange(10**6), overlap=ov)
                t = time.perf_counter()
                got = count(empty, frame)
                ms.append((time.perf_counter() - t) * 1000)
                errors.append(got - n)
                exact += got == n
            label = "overlapping" if overlap else "apart"
            print(
                f"{name:5} people {label:11}: {len(errors)} scenes, exact {exact}/{len(errors)}, "
                f"mean |error| {statistics.mean(abs(e) for e in errors):.2f}, mean error {statistics.mean(errors):+.2f}, "
                f"{statistics.median(ms):.0f} ms/frame"
            )


def main() -> None:
    from checkins_common import machine

    parser = argparse.ArgumentParser()
    parser.add_argument("--frames", type=int, default=20)
    parser.add_argument("--rounds", type=int, default=3)
    parser.add_argument("--scenes", type=int, default=4, help="scenes per people count")
    parser.add_argument("--skip-counting", action="store_true")
    parser.add_argument("--skip-codes", action="store_true")
    args = parser.parse_args()
    print(f"machine: {machine()}")
    if not args.skip_codes:
        codes(args)
    if not args.skip_counting:
        counting(args)


if __name__ == "__main__":
    main()
