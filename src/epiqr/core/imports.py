"""What an import did, in one shape for every import (check-ins, venues, lab results, permits,
deployment targets, doses): rows read, stored, already there (a re-import stores nothing twice), and
each refused row with its line as the person sees it in Excel, what identifies it (a barcode, a name,
an ID number) and why. A file refused as a whole says so in `file_error` and stores nothing.

`refuse()` records the row and tells the import's progress (core.progress), so a job's per-row report
(core.jobs) and the report returned to the caller never disagree.
"""

from dataclasses import dataclass, field

from .progress import Progress


@dataclass(frozen=True)
class RefusedRow:
    line: int | None
    reason: str
    key: str = ""  # what the person recognises the row by
    code: str = ""  # a stable machine-readable reason, for API clients

    def __str__(self) -> str:
        return f"{self.line}: {self.reason}" if self.line is not None else self.reason

    def as_dict(self) -> dict:
        return {"line": self.line, "key": self.key, "code": self.code, "reason": self.reason}


@dataclass
class ImportReport:
    read: int = 0
    stored: int = 0
    unchanged: int = 0
    refused: list[RefusedRow] = field(default_factory=list)
    file_error: str = ""
    progress: Progress = field(default_factory=Progress, repr=False, compare=False)

    def refuse(self, *, line: int | None, reason, key: str = "", code: str = "") -> None:
        row = RefusedRow(line=line, reason=str(reason), key=str(key)[:100], code=code)
        self.refused.append(row)
        self.progress.refuse(line=line, key=row.key, message=row.reason)

    def refuse_file(self, reason) -> None:
        """The file as a whole cannot be imported (unreadable, missing columns, too long)."""
        self.file_error = str(reason)
        self.progress.refuse(message=self.file_error)

    @property
    def ok(self) -> bool:
        """Nothing refused: every row stored or already there."""
        return not self.file_error and not self.refused

    def summary(self) -> dict:
        """The counts, for a job's summary or a command's last line."""
        return {
            "read": self.read,
            "stored": self.stored,
            "unchanged": self.unchanged,
            "refused": len(self.refused),
        }
