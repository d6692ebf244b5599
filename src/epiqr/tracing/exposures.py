"""The compact exposure store: a contact's exposures packed into one binary field on its row.

A run of a busy F0 at F2 names about a hundred thousand people met through a hundred and sixty
thousand exposures. As rows of their own, with an index each on the contact and the venue and a
foreign key to the contact, the exposures cost more to write than the contacts themselves, and an
officer waits for the whole run. Nothing reads one exposure alone: they are always read with their
contact (its page, its row of an export, its notice). So they are stored with it.

Format: a version byte (1), then one fixed-size little-endian record (`RECORD`) per exposure, in the
engine's order (engine.assemble). Times are integer microseconds since the Unix epoch (UTC); the weighted
minutes are NaN where the policy weighs none. `pack_many` packs every contact of a run from the batch's
columns at once; `unpack` gives `StoredExposure` objects with the fields the old rows had. The venues met
are also kept as text on the contact (`venues_text`) so that "contacts met at this venue" stays a query.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

import numpy as np

from . import engine
from .batch import from_micros, micros

VERSION = 1
RECORD = np.dtype(
    [
        ("venue", "<i8"),
        ("checkin", "<i8"),
        ("start", "<i8"),
        ("end", "<i8"),
        ("source_person", "<i8"),
        ("source_checkin", "<i8"),
        ("source_start", "<i8"),
        ("source_end", "<i8"),
        ("minutes", "<f8"),
        ("weighted", "<f8"),
        ("high", "u1"),
    ]
)


@dataclass
class StoredExposure:
    """One meeting that made a contact: their check-in against the source's check-in. `position` orders
    a contact's exposures (the engine's order); `venue` is attached by selectors.contacts_with_exposures."""

    position: int
    venue_id: int
    checkin_id: int
    start: datetime
    end: datetime
    source_person_id: int
    source_checkin_id: int
    source_start: datetime
    source_end: datetime
    overlap_minutes: float
    weighted_minutes: float | None
    risk: str
    venue: Any = field(default=None, compare=False, repr=False)


def records(
    columns: Mapping[str, np.ndarray], minutes: np.ndarray, weighted: np.ndarray | None
) -> np.ndarray:
    """Exposure columns (batch.BatchResult.exposures) as records; `minutes` as stored (rounded),
    `weighted` None when the policy weighs none."""
    out = np.empty(len(minutes), dtype=RECORD)
    for name in (
        "venue",
        "checkin",
        "start",
        "end",
        "source_person",
        "source_checkin",
        "source_start",
        "source_end",
    ):
        out[name] = columns[name]
    out["minutes"] = minutes
    out["weighted"] = np.nan if weighted is None else weighted
    out["high"] = columns["high"]
    return out


def pack_many(table: np.ndarray, bounds: np.ndarray) -> tuple[list[bytes], list[str]]:
    """Per contact i (its records table[bounds[i]:bounds[i + 1]]): the packed field and the venues text."""
    raw = table.tobytes()
    size = RECORD.itemsize
    head = bytes([VERSION])
    starts, ends = (bounds[:-1] * size).tolist(), (bounds[1:] * size).tolist()
    packed = [head + raw[a:b] for a, b in zip(starts, ends, strict=True)]
    # Most contacts met one venue once: their text is made for all at once, the others one by one.
    venue = table["venue"]
    lengths = np.diff(bounds)
    texts = np.char.add(np.char.add(" ", venue[bounds[:-1][lengths == 1]].astype(str)), " ").tolist()
    single = iter(texts)
    venues = venue.tolist()
    return packed, [
        next(single) if b - a == 1 else venues_text(venues[a:b])
        for a, b in zip(bounds[:-1].tolist(), bounds[1:].tolist(), strict=True)
    ]


def venues_text(venue_ids: Sequence[int]) -> str:
    """The venues met, each once, as ' 12 34 ' (a space on each side of every id: `venue_filter`)."""
    unique = sorted(set(venue_ids))
    return f" {' '.join(map(str, unique))} " if unique else ""


def venue_filter(venue_id: int) -> str:
    """What `venues_text` holds when the venue was met (for a `contains` lookup)."""
    return f" {int(venue_id)} "


def pack(exposures: Sequence[StoredExposure | engine.Exposure]) -> bytes:
    """Exposure objects (engine's or stored) packed as one contact's field, in the given order."""
    table = np.empty(len(exposures), dtype=RECORD)
    for i, e in enumerate(exposures):
        table[i] = (
            e.venue_id,
            e.checkin_id,
            micros(e.start),
            micros(e.end),
            e.source_person_id,
            e.source_checkin_id,
            micros(e.source_start),
            micros(e.source_end),
            e.overlap_minutes,
            np.nan if e.weighted_minutes is None else e.weighted_minutes,
            e.risk == engine.RISK_HIGH,
        )
    return bytes([VERSION]) + table.tobytes()


def unpack(data: bytes | memoryview | None) -> list[StoredExposure]:
    """A contact's field as exposure objects, in the stored order."""
    if not data:
        return []
    data = bytes(data)
    if data[0] != VERSION or (len(data) - 1) % RECORD.itemsize:
        raise ValueError("not a packed exposure field of version 1")
    table = np.frombuffer(data, dtype=RECORD, offset=1)
    out = []
    for i, r in enumerate(table.tolist()):
        weighted = r[9]
        out.append(
            StoredExposure(
                position=i,
                venue_id=r[0],
                checkin_id=r[1],
                start=from_micros(r[2]),
                end=from_micros(r[3]),
                source_person_id=r[4],
                source_checkin_id=r[5],
                source_start=from_micros(r[6]),
                source_end=from_micros(r[7]),
                overlap_minutes=r[8],
                weighted_minutes=None if weighted != weighted else weighted,
                risk=engine.RISK_HIGH if r[10] else engine.RISK_LOW,
            )
        )
    return out
