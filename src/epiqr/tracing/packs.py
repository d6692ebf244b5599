"""A run's contacts as columns, and the packed form a large run's F2 is stored in before it is filed.

A run of a busy F0 at F2 names hundreds of thousands of people. Written as rows with the indexes the
follow-up lists need, they cost the server several seconds (docs/benchmarks.md, issue 17: 2.9 s with no
secondary index at all for 316,646 contacts). So run_create stores the F1 as rows at once and, past
TRACING_FILE_AT_ONCE contacts, the later degrees as one packed value (`ContactPack`), committed with the
run; `services.run_contacts_file` then turns it into rows in chunks, in its own transactions, right
after (a worker when there is one). Every reader that needs a run whole (its export, its notices, a
re-run's comparison) files what is left first.

Format: numpy's .npz container (a zip of .npy arrays, no pickled object: loaded with allow_pickle off),
one array per column below, the exposures as exposures.RECORD records with each contact's bounds, the
follow-up statuses as one-byte codes into the pack's own list of their names.
"""

from __future__ import annotations

import io
import zipfile
from dataclasses import dataclass, fields

import numpy as np

from .exposures import RECORD
from .models import FollowUp

# Follow-up statuses as one-byte codes: STATUSES[code]. A pack also holds the names, so that one stored
# before a status was added or moved still reads right.
STATUSES: tuple[str, ...] = tuple(FollowUp.values)
STATUS_NAMES = np.array(STATUSES)


@dataclass(frozen=True)
class ContactColumns:
    """Contacts as columns, row i of each; `records[bounds[i]:bounds[i + 1]]` are contact i's exposures.
    Times in integer microseconds since the Unix epoch; `status` codes into STATUSES; `new_case` 0 for
    none."""

    person: np.ndarray
    degree: np.ndarray
    high: np.ndarray
    overlap: np.ndarray
    first: np.ndarray
    status: np.ndarray
    new_case: np.ndarray
    records: np.ndarray
    bounds: np.ndarray

    def __len__(self) -> int:
        return len(self.person)

    def rows(self, start: int, stop: int) -> ContactColumns:
        """Contacts start..stop-1, their exposures' bounds counted from their first exposure."""
        lo, hi = int(self.bounds[start]), int(self.bounds[stop])
        return ContactColumns(
            person=self.person[start:stop],
            degree=self.degree[start:stop],
            high=self.high[start:stop],
            overlap=self.overlap[start:stop],
            first=self.first[start:stop],
            status=self.status[start:stop],
            new_case=self.new_case[start:stop],
            records=self.records[lo:hi],
            bounds=self.bounds[start : stop + 1] - lo,
        )


DTYPES = {
    "person": np.dtype("<i8"),
    "degree": np.dtype("u1"),
    "high": np.dtype("?"),
    "overlap": np.dtype("<f8"),
    "first": np.dtype("<i8"),
    "status": np.dtype("u1"),
    "new_case": np.dtype("<i8"),
    "records": RECORD,
    "bounds": np.dtype("<i8"),
}


def pack(columns: ContactColumns) -> bytes:
    """The columns as one value (uncompressed: the server stores it as it is, see ContactPack)."""
    out = io.BytesIO()
    arrays = {
        f.name: np.ascontiguousarray(getattr(columns, f.name), dtype=DTYPES[f.name]) for f in fields(columns)
    }
    np.savez(out, **arrays, status_names=STATUS_NAMES)
    return out.getvalue()


def status_codes(names) -> np.ndarray:
    """Follow-up statuses by name as codes into STATUSES; ValueError for a name not among them."""
    index = {name: code for code, name in enumerate(STATUSES)}
    try:
        return np.array([index[str(name)] for name in names], dtype=np.uint8)
    except KeyError as exc:
        raise ValueError(f"not a follow-up status: {exc}") from exc


def unpack(data: bytes | memoryview) -> ContactColumns:
    """A packed value back as columns; ValueError for anything else (a wrong column, type or length)."""
    try:
        with np.load(io.BytesIO(bytes(data)), allow_pickle=False) as stored:
            arrays = {name: stored[name] for name in DTYPES}
            names = stored["status_names"]
    except (OSError, KeyError, EOFError, zipfile.BadZipFile) as exc:
        raise ValueError(f"not a packed contact set: {exc}") from exc
    if names.dtype.kind != "U" or np.any(arrays["status"] >= len(names)):
        raise ValueError("not a packed contact set: follow-up statuses without their names")
    for name, dtype in DTYPES.items():
        if arrays[name].dtype != dtype or arrays[name].ndim != 1:
            raise ValueError(f"not a packed contact set: column {name} is {arrays[name].dtype}")
    n = len(arrays["person"])
    bounds = arrays["bounds"]
    if any(len(arrays[name]) != n for name in DTYPES if name not in ("records", "bounds")) or (
        len(bounds) != n + 1
        or bounds[0] != 0
        or bounds[-1] != len(arrays["records"])
        or np.any(np.diff(bounds) < 0)
    ):
        raise ValueError("not a packed contact set: columns of different lengths")
    arrays["status"] = status_codes(names)[arrays["status"]]
    return ContactColumns(**arrays)
