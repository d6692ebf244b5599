"""How long work tells whoever waits for it how far it is: a terminal (the command-line tools) or a job's
page (epiqr.core.jobs).

A service that goes through thousands of rows takes a `progress` argument and calls it as it goes:
`start(total=..., stage=...)` once it knows how many rows there are, `advance(n)` for rows looked at,
`refuse(line=, key=, message=)` for each row it refuses, with the reason (a row is refused once; it was
also looked at), `stage(...)` when it moves on to another step ("storing"). The default, `Progress()`, does nothing, so a
caller that does not care passes nothing.
"""

import sys
import time
from typing import TextIO


class Progress:
    """Counts of rows done and refused; subclasses show them somewhere."""

    def __init__(self) -> None:
        self.total: int | None = None
        self.done = 0
        self.refused = 0
        self.stage_text = ""
        self.started = time.monotonic()

    def start(self, *, total: int | None = None, stage: str = "") -> None:
        self.total = total
        if stage:
            self.stage_text = str(stage)
        self.changed()

    def stage(self, text) -> None:
        self.stage_text = str(text)
        self.changed(force=True)

    def advance(self, done: int = 1, refused: int = 0) -> None:
        self.done += done
        self.refused += refused
        self.changed()

    def refuse(self, *, line: int | None = None, key: str = "", message: str) -> None:
        """One row refused, and why (kept for the per-row report where there is one)."""
        self.refused += 1
        self.changed()

    def finish(self) -> None:
        self.changed(force=True)

    def changed(self, force: bool = False) -> None:
        """Counts moved; show them (at most a few times a second)."""

    def seconds_left(self) -> float | None:
        """Time left at the pace so far, once there is a pace and a total."""
        elapsed = time.monotonic() - self.started
        if not self.total or not self.done or elapsed <= 0:
            return None
        return max(0.0, elapsed / self.done * (self.total - self.done))


def duration_text(seconds: float | None) -> str:
    """0:42, 12:05 or 1:02:03."""
    if seconds is None:
        return "?"
    seconds = int(round(seconds))
    hours, rest = divmod(seconds, 3600)
    minutes, secs = divmod(rest, 60)
    return f"{hours}:{minutes:02d}:{secs:02d}" if hours else f"{minutes}:{secs:02d}"


class TerminalProgress(Progress):
    """A progress bar on a terminal (stderr), redrawn at most ten times a second; silent when the stream
    is not a terminal (a pipe, a log file, cron), so scripts and logs get only the final summary."""

    WIDTH = 30
    EVERY = 0.1

    def __init__(self, *, label: str = "", stream: TextIO | None = None, enabled: bool | None = None):
        super().__init__()
        self.stream = stream if stream is not None else sys.stderr
        isatty = getattr(self.stream, "isatty", None)
        self.enabled = enabled if enabled is not None else bool(isatty and isatty())
        self.label = label
        self.drawn_at = 0.0
        self.drawn = False

    def line(self) -> str:
        parts = [self.label] if self.label else []
        if self.total:
            share = min(self.done / self.total, 1.0)
            filled = int(share * self.WIDTH)
            parts.append(f"[{'#' * filled}{'.' * (self.WIDTH - filled)}] {share:4.0%}")
            parts.append(f"{self.done:,}/{self.total:,}")
        else:
            parts.append(f"{self.done:,}")
        if self.refused:
            parts.append(f"refused {self.refused:,}")
        left = self.seconds_left()
        if left is not None and self.done < (self.total or 0):
            parts.append(f"{duration_text(left)} left")
        if self.stage_text:
            parts.append(self.stage_text)
        return " ".join(parts)

    def changed(self, force: bool = False) -> None:
        if not self.enabled:
            return
        now = time.monotonic()
        if not force and now - self.drawn_at < self.EVERY:
            return
        self.drawn_at = now
        self.stream.write("\r\x1b[K" + self.line())
        self.stream.flush()
        self.drawn = True

    def finish(self) -> None:
        if not self.enabled:
            return
        self.changed(force=True)
        if self.drawn:
            self.stream.write("\n")
            self.stream.flush()
