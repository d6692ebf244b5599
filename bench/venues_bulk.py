"""Venue registry at scale: sheet import, batch posters, and the token check behind every scan.

  .venv/bin/python tools/with_postgres.py --durable -- .venv/bin/python bench/venues_bulk.py [--rows N] [--posters P]

1. Import: a CSV of N venues (default 5,000, the per-file limit) read, validated row by row and stored
   with venues_import (one bulk insert). Baselines in the same run: the same rows registered one by one
   with venue_register (what a naive loop over the sheet would do), and a bare bulk_create of ready-made
   Venue objects (the floor). Each repeat runs in a transaction that is rolled back; medians of 3.
2. Posters: one PDF of P posters (default 200, A4); ms per page, against drawing the same P QR codes
   alone as PNG with segno (the floor); and one PNG poster (150 dpi). Medians of 3.
3. Token check: venue_from_token on valid poster tokens (signature check + one indexed read) against a
   bare Venue lookup by primary key, and forged tokens (refused without a database read). Medians of 5.
"""

import argparse
import io
import statistics
import sys
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))
from checkins_common import django_setup, machine  # noqa: E402


def timed(fn, repeats: int) -> float:
    runs = []
    for _ in range(repeats):
        start = time.perf_counter()
        fn()
        runs.append(time.perf_counter() - start)
    return statistics.median(runs)


def rolled_back(fn):
    from django.db import transaction

    def run():
        with transaction.atomic():
            fn()
            transaction.set_rollback(True)

    return run


def sheet_rows(n: int, communes) -> list[list[str]]:
    streets = ["Hàng Bạc", "Hàng Đào", "Hàng Gai", "Tràng Tiền", "Phố Huế", "Bà Triệu"]
    return [
        [
            f"Quán thử {i}",
            "Nhà hàng, quán ăn, cà phê",
            f"{i} Phố {streets[i % 6]}",
            communes[i % len(communes)].name,
            f"09{i:08d}",
            str(20 + i % 80),
        ]
        for i in range(n)
    ]


def bench_import(n: int, actor, communes) -> dict:
    from epiqr.core.text import fold
    from epiqr.venues.models import Venue
    from epiqr.venues.services import venue_codes_new, venue_register, venues_import

    rows = sheet_rows(n, communes)
    header = "Tên địa điểm;Loại hình;Địa chỉ;Xã/phường;Điện thoại;Sức chứa"
    blob = ("\ufeff" + "\n".join([header] + [";".join(r) for r in rows])).encode()
    by_name = {c.name: c.code for c in communes}

    def do_import():
        report = venues_import(actor=actor, file=blob, filename="bench.csv")
        assert report.ok and len(report.created) == n, report.file_error or report.refused[:3]

    def one_by_one():
        for name, _sector, address, commune, phone, capacity in rows:
            venue_register(
                name=name,
                sector="food",
                address=address,
                commune_id=by_name[commune],
                phone=phone,
                capacity=int(capacity),
                actor=actor,
            )

    def bare_bulk():
        codes = venue_codes_new(n)
        Venue.objects.bulk_create(
            [
                Venue(
                    code=code,
                    name=r[0],
                    name_folded=fold(r[0]),
                    sector="food",
                    address=r[2],
                    commune_id=by_name[r[3]],
                    phone=r[4],
                    capacity=int(r[5]),
                )
                for code, r in zip(codes, rows, strict=True)
            ],
            batch_size=500,
        )

    return {
        "import": timed(rolled_back(do_import), 3),
        "one_by_one": timed(rolled_back(one_by_one), 3),
        "bare_bulk": timed(rolled_back(bare_bulk), 3),
    }


def bench_posters(p: int) -> dict:
    import segno

    from epiqr.venues import posters
    from epiqr.venues.models import Venue
    from epiqr.venues.selectors import venue_url

    venues = list(Venue.objects.select_related("commune", "commune__province").order_by("pk")[:p])
    pairs = [(v, venue_url(venue=v)) for v in venues]
    size = {}

    def pdf():
        size["pdf"] = len(posters.posters_pdf(venues=pairs, size="A4"))

    def qr_only():
        for _v, url in pairs:
            segno.make(url, error=posters.QR_ERROR).save(io.BytesIO(), kind="png", scale=10)

    return {
        "pages": len(pairs),
        "pdf": timed(pdf, 3),
        "qr_only": timed(qr_only, 3),
        "png": timed(lambda: posters.poster_png(venue=venues[0], url=pairs[0][1]), 3),
        "pdf_bytes": size["pdf"],
    }


def bench_tokens(k: int) -> dict:
    from epiqr.core.errors import Invalid
    from epiqr.venues.models import Venue
    from epiqr.venues.selectors import venue_from_token, venue_token

    venues = list(Venue.objects.order_by("pk")[:k])
    tokens = [venue_token(venue=v) for v in venues]
    forged = [t[:-4] + ("AAAA" if not t.endswith("AAAA") else "BBBB") for t in tokens]

    def valid():
        for t in tokens:
            venue_from_token(token=t)

    def bare():
        for v in venues:
            Venue.objects.select_related("commune", "commune__province").get(pk=v.pk)

    def refused():
        for t in forged:
            try:
                venue_from_token(token=t)
            except Invalid:
                pass

    return {"n": len(tokens), "valid": timed(valid, 5), "bare": timed(bare, 5), "forged": timed(refused, 5)}


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--rows", type=int, default=5000)
    parser.add_argument("--posters", type=int, default=200)
    args = parser.parse_args()
    django_setup()
    from django.db import connection

    from epiqr.core.permissions import Role
    from epiqr.geo.models import Commune, Province
    from epiqr.geo.services import units_load
    from epiqr.venues.services import venues_import
    from tests.factories import user_factory

    if not Province.objects.exists():
        units_load()
    province = Province.objects.get(code=1)
    communes = [
        c
        for c in Commune.objects.filter(province=province).order_by("code")
        if Commune.objects.filter(name=c.name).count() == 1
    ][:30]
    actor = user_factory(Role.PROVINCE_OFFICER, province=province, username=f"bench-venues-{time.time_ns()}")
    print(f"machine: {machine()}; database: {connection.vendor}")

    r = bench_import(args.rows, actor, communes)
    print(f"\nimport of {args.rows} rows (median of 3, rolled back):")
    print(
        f"  venues_import (read + validate + bulk insert): {r['import']:.2f} s = {args.rows / r['import']:,.0f} rows/s"
    )
    print(
        f"  baseline venue_register one by one:            {r['one_by_one']:.2f} s "
        f"({r['one_by_one'] / r['import']:.1f}x slower than the import)"
    )
    print(
        f"  floor bare bulk_create:                        {r['bare_bulk']:.2f} s "
        f"(import costs {r['import'] / r['bare_bulk']:.1f}x the floor)"
    )

    # Posters and tokens need stored venues: import them once, for real.
    report = venues_import(
        actor=actor,
        file=None,
        rows=[
            {"_row": i + 2, "name": row[0], "sector": "food", "address": row[2], "commune": row[3]}
            for i, row in enumerate(sheet_rows(max(args.posters, 1000), communes))
        ],
    )
    assert report.ok
    p = bench_posters(args.posters)
    per_page = p["pdf"] / p["pages"] * 1000
    print(
        f"\nposters (median of 3): {p['pages']}-page A4 PDF in {p['pdf']:.2f} s = {per_page:.1f} ms/page, "
        f"{p['pdf_bytes'] / p['pages'] / 1024:.1f} kB/page"
    )
    print(
        f"  floor, the same QR codes alone as PNG: {p['qr_only'] / p['pages'] * 1000:.1f} ms each "
        f"(poster page = {p['pdf'] / p['qr_only']:.1f}x)"
    )
    print(f"  one PNG poster (A4, 150 dpi): {p['png'] * 1000:.0f} ms")

    t = bench_tokens(1000)
    print(f"\ntoken check on {t['n']} poster tokens (median of 5):")
    print(
        f"  venue_from_token, valid: {t['valid'] / t['n'] * 1e6:.0f} us each "
        f"({t['valid'] / t['bare']:.2f}x a bare lookup by primary key, {t['bare'] / t['n'] * 1e6:.0f} us)"
    )
    print(f"  forged, refused before any database read: {t['forged'] / t['n'] * 1e6:.0f} us each")


if __name__ == "__main__":
    main()
