"""Server-side SVG charts as geometry (no Django import): the template draws what this computes, and
every chart's numbers are shown in a table beside it.

Contract: `bars_with_line(values, line, width, height)` places one bar per value and a polyline through
`line` (same length; None for bars only), both scaled to the larger maximum; a zero maximum draws flat bars at the base.
"""

from dataclasses import dataclass


@dataclass(frozen=True)
class Bar:
    x: float
    y: float
    width: float
    height: float
    value: float


@dataclass(frozen=True)
class BarChart:
    width: int
    height: int
    bars: tuple[Bar, ...]
    line_points: str  # "x,y x,y ..." for an SVG polyline
    maximum: float


def bars_with_line(
    values: list[float], line: list[float] | None = None, *, width: int = 600, height: int = 160
) -> BarChart:
    """`line` None: bars only (an empty polyline)."""
    drawn = line is not None
    line = list(values) if line is None else line
    if len(line) != len(values):
        raise ValueError("the line needs one point per bar")
    top = max([0.0, *values, *line])
    n = max(len(values), 1)
    slot = width / n
    gap = min(2.0, slot / 4)
    scale = (height - 4) / top if top else 0.0
    bars = []
    points = []
    for i, (value, avg) in enumerate(zip(values, line, strict=True)):
        top_edge = round(height - value * scale, 2)
        # The height from the rounded top edge, so that every bar ends on the baseline (rounding the top
        # and the height apart could overshoot it by 0.01).
        bars.append(
            Bar(
                round(i * slot + gap / 2, 2),
                top_edge,
                round(slot - gap, 2),
                round(height - top_edge, 2),
                value,
            )
        )
        points.append(f"{round(i * slot + slot / 2, 2)},{round(height - avg * scale, 2)}")
    return BarChart(width, height, tuple(bars), " ".join(points) if drawn else "", top)
