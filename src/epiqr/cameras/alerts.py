"""When a camera alerts (pure, no Django).

- Crowd: the count stayed above the camera's threshold for `sustain_minutes`: every reading from the
  window's start (the last reading at or before it) to now is above, with no gap longer than MAX_GAP.
  One reading above does not alert (a bus unloading); a gap in the readings does not either.
- At most once per `every_minutes` for the same camera and kind, whatever the frames say.
"""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime, timedelta

MAX_GAP = timedelta(minutes=2)  # readings further apart than this do not prove the crowd stayed


def crowd_sustained(
    counts: Sequence[tuple[datetime, int]], *, now: datetime, threshold: int, sustain_minutes: int
) -> bool:
    """Whether the count stayed above `threshold` for the last `sustain_minutes` (counts sorted by time):
    the readings from the last one at or before the window's start up to `now` are all above, none more
    than MAX_GAP apart, the latest at most MAX_GAP old."""
    start = now - timedelta(minutes=sustain_minutes)
    seen = [(at, n) for at, n in counts if at <= now]
    opening = [i for i, (at, _n) in enumerate(seen) if at <= start]
    if not opening:
        return False
    window = seen[opening[-1] :]
    if any(n <= threshold for _at, n in window):
        return False
    times = [at for at, _n in window]
    return (
        all(b - a <= MAX_GAP for a, b in zip(times, times[1:], strict=False)) and now - times[-1] <= MAX_GAP
    )


def alert_allowed(*, last_alert_at: datetime | None, now: datetime, every_minutes: int) -> bool:
    return last_alert_at is None or now - last_alert_at >= timedelta(minutes=every_minutes)
