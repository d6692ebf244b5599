"""Draw EpiQR's icon: a small QR-like mark (three corner squares and a few modules) in the brand green.

Our own drawing, made from the grid below; run `.venv/bin/python tools/favicon.py` after changing it and
commit what it writes: static/epiqr/favicon.svg (pages), favicon.ico (16, 32, 48 px, served at
/favicon.ico) and apple-touch-icon.png (180 px, a phone's home screen).
"""

import io
from pathlib import Path

from PIL import Image, ImageDraw

STATIC = Path(__file__).resolve().parent.parent / "src" / "epiqr" / "static" / "epiqr"
BRAND = "#0b6e4f"
# 9 x 9 modules: three 3x3 corner squares (what makes people see a QR code) and a check-in tick of
# modules in the fourth corner. "#" is a dark module.
GRID = [
    "###.#.###",
    "###...###",
    "###.#.###",
    "....#....",
    "#.##.#.#.",
    ".........",
    "###.....#",
    "###..#.#.",
    "###...#..",
]
PAD = 1  # modules of white around the grid, inside the rounded tile


def svg() -> str:
    size = len(GRID) + 2 * PAD
    runs = []
    for y, row in enumerate(GRID):
        x = 0
        while x < len(row):
            if row[x] == "#":
                start = x
                while x < len(row) and row[x] == "#":
                    x += 1
                runs.append(f"M{start + PAD} {y + PAD}h{x - start}v1h-{x - start}z")
            else:
                x += 1
    return (
        f'<svg xmlns="http://www.w3.org/2000/svg" viewBox="0 0 {size} {size}">'
        f'<rect width="{size}" height="{size}" rx="2" fill="#fff"/>'
        f'<path fill="{BRAND}" d="{"".join(runs)}"/></svg>\n'
    )


def bitmap(px: int) -> Image.Image:
    """The mark drawn large then scaled down to px, so small sizes keep their proportions."""
    size = len(GRID) + 2 * PAD
    unit = 64
    big = Image.new("RGBA", (size * unit, size * unit), (0, 0, 0, 0))
    draw = ImageDraw.Draw(big)
    draw.rounded_rectangle([0, 0, size * unit - 1, size * unit - 1], radius=2 * unit, fill="#ffffff")
    for y, row in enumerate(GRID):
        for x, cell in enumerate(row):
            if cell == "#":
                x0, y0 = (x + PAD) * unit, (y + PAD) * unit
                draw.rectangle([x0, y0, x0 + unit - 1, y0 + unit - 1], fill=BRAND)
    return big.resize((px, px), Image.Resampling.LANCZOS)


def main() -> None:
    (STATIC / "favicon.svg").write_text(svg(), encoding="utf-8")
    out = io.BytesIO()
    bitmap(48).save(out, format="ICO", sizes=[(16, 16), (32, 32), (48, 48)])
    (STATIC / "favicon.ico").write_bytes(out.getvalue())
    bitmap(180).convert("RGB").save(STATIC / "apple-touch-icon.png", optimize=True)
    print(f"wrote {STATIC}/favicon.svg, favicon.ico, apple-touch-icon.png")


if __name__ == "__main__":
    main()
