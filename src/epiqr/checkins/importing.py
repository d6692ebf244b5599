"""CSV import of check-ins (an operator's command or an officer's upload, run as a job).

Rows are stored with COPY on PostgreSQL and multi-row inserts elsewhere (`store`); importing a file twice
stores it once.
"""

import csv
import io
import uuid
from collections.abc import Iterator
from concurrent.futures import ThreadPoolExecutor
from datetime import UTC, datetime, timedelta

from django.db import connection, transaction
from django.utils.translation import gettext as _

from epiqr.accounts.models import User
from epiqr.core.errors import Invalid, NotFound
from epiqr.core.idempotency import scoped_uuid
from epiqr.core.imports import ImportReport
from epiqr.core.progress import Progress
from epiqr.core.timeutil import now
from epiqr.people.selectors import person_ids_by_public_id_text as people_text
from epiqr.people.services import person_find
from epiqr.venues.selectors import venue_by_code, venue_list_visible_to

from .models import Method
from .rules import (
    CLOCK_SKEW,
    UUID_TEXT,
    checkin_time_check,
    parse_bool,
    parse_time,
    parse_uuid,
    retention_days,
)
from .store import Row, rows_copy, rows_insert, rows_stored, same_scan

IMPORT_COLUMNS = ("venue_code", "person", "checked_in_at")
IMPORT_CHUNK = 10_000
# Namespace for client ids derived from an imported row that carries none (re-importing stores nothing twice).
IMPORT_NAMESPACE = uuid.UUID("6f1d3c9e-2b7a-4c55-9d0e-0e9a2f3b7c41")


def _import_rows(
    reader: Iterator[list[str]],
    *,
    cols: dict[str, int],
    venue_ids: dict[str, int],
    report: ImportReport,
    current: datetime,
    sender: str,
    progress: Progress,
    actor=None,
) -> Iterator[list[tuple]]:
    """Parse CSV rows into chunks of (line, client_id, venue_id, person_id, at, has_symptoms), resolving
    people in bulk per chunk (public id; ID number or phone one by one). A row's own client id is made
    the sender's (core.idempotency.scoped_uuid); a row without one is keyed by its content. With an
    `actor`, a row at a venue outside the actor's scope is refused."""
    in_scope: dict[int, bool] = {}

    def venue_in_scope(venue_id: int) -> bool:
        if actor is None:
            return True
        if venue_id not in in_scope:
            in_scope[venue_id] = venue_list_visible_to(user=actor).filter(pk=venue_id).exists()
        return in_scope[venue_id]

    earliest = current - timedelta(days=retention_days())
    latest = current + CLOCK_SKEW
    i_code, i_person, i_time = cols["venue_code"], cols["person"], cols["checked_in_at"]
    i_client, i_symptoms = cols.get("client_id"), cols.get("has_symptoms")
    width = len(cols)
    pending: list[tuple[int, list[str]]] = []

    def flush() -> list[tuple]:
        wanted = set()
        for _line, row in pending:
            ident = row[i_person].strip().lower() if len(row) > i_person else ""
            if len(ident) == 36 and UUID_TEXT.fullmatch(ident):
                wanted.add(ident)
        public = people_text(texts=wanted)
        out = []
        for line, row in pending:
            try:
                if len(row) != width:
                    raise Invalid(
                        _("This row has %(n)s fields instead of %(w)s.") % {"n": len(row), "w": width},
                        code="bad_row",
                    )
                code = row[i_code].strip()
                venue_id = venue_ids.get(code)
                if venue_id is None:
                    venue_id = venue_ids[code] = venue_by_code(code=code).pk
                if not venue_in_scope(venue_id):
                    raise Invalid(_("This venue is outside your area."), code="venue_out_of_scope")
                ident = row[i_person].strip()
                key = ident.lower()
                person_id = public.get(key) if key in wanted else person_find(identifier=ident).pk
                if person_id is None:
                    raise NotFound(_("No person matches %(p)s.") % {"p": ident[:40]}, code="person_unknown")
                at = parse_time(row[i_time])
                if not earliest <= at <= latest:
                    at = checkin_time_check(at=at, current=current)  # raises with the reason
                raw_client = row[i_client].strip().lower() if i_client is not None else ""
                if not raw_client:
                    client_id = str(uuid.uuid5(IMPORT_NAMESPACE, f"{code}|{ident}|{at.isoformat()}"))
                else:
                    device_id = parse_uuid(raw_client, field_name="client_id", code="bad_client_id")
                    client_id = str(scoped_uuid(sender=sender, client_id=device_id))
                at = at.astimezone(UTC)
                has_symptoms = parse_bool(row[i_symptoms]) if i_symptoms is not None else None
            except (Invalid, NotFound) as exc:
                report.refuse(
                    line=line, reason=exc.message, key=row[i_code] if len(row) > i_code else "", code=exc.code
                )
                continue
            out.append((line, client_id, venue_id, person_id, at, has_symptoms))
        progress.advance(len(pending))
        pending.clear()
        return out

    for line, row in enumerate(reader, start=2):
        if not row:
            continue
        report.read += 1
        pending.append((line, row))
        if len(pending) >= IMPORT_CHUNK:
            yield flush()
    if pending:
        yield flush()


def _once_per_id(rows: list[tuple]) -> tuple[list[tuple], list[int]]:
    """The rows once per client id, and the lines that reuse an earlier row's id with other content."""
    first: dict[str, tuple] = {}
    reused: list[int] = []
    for r in rows:
        seen = first.setdefault(r[1], r)
        if seen is not r and seen[2:5] != r[2:5]:
            reused.append(r[0])
    return list(first.values()), reused


def checkins_import(
    *,
    stream: io.TextIOBase,
    progress: Progress | None = None,
    current: datetime | None = None,
    sender: str = "import",
    actor: User | None = None,
) -> ImportReport:
    """Import check-ins from CSV (venue_code, person, checked_in_at[, client_id, has_symptoms]).

    `person` is an EpiQR public id, an ID number or a phone. Rows are stored with COPY on PostgreSQL and
    multi-row inserts elsewhere; a row seen before (same client id; without one, same venue, person and
    time) is skipped, so importing a file twice stores it once. Bad rows are reported by line and skipped,
    among them a row whose client id the same sender (`sender`: the system the file comes from) used
    for another check-in, and rows at venues outside the `actor`'s scope (an officer's upload; the
    operator's command passes none). `progress` hears of rows read and refused (core.progress).
    """
    progress = progress or Progress()
    reader = csv.reader(stream)
    header = [h.strip().lower() for h in next(reader, [])]
    missing = [c for c in IMPORT_COLUMNS if c not in header]
    if missing:
        raise Invalid(_("The CSV lacks the columns: %(c)s.") % {"c": ", ".join(missing)}, code="bad_header")
    cols = {name: i for i, name in enumerate(header)}
    report = ImportReport(progress=progress)
    current = current or now()
    chunks = _import_rows(
        reader,
        cols=cols,
        venue_ids={},
        report=report,
        current=current,
        sender=sender,
        progress=progress,
        actor=actor,
    )

    def account(chunk_len: int, outcome: tuple[int, list[int]]) -> None:
        stored, reused = outcome
        report.stored += stored
        report.unchanged += chunk_len - stored - len(reused)
        reason = _("This client_id was already used for another check-in: give each row its own id.")
        for line in sorted(reused):
            report.refuse(line=line, reason=reason, key="client_id", code="client_id_reused")

    if connection.vendor == "postgresql" and not connection.in_atomic_block:
        # Parse the next chunk while a second connection COPYs this one (the database waits overlap
        # the CSV work). Each chunk is its own transaction either way.
        with ThreadPoolExecutor(max_workers=1) as pool:
            try:
                running = None
                for chunk in chunks:
                    if running is not None:
                        account(running[1], running[0].result())
                    running = (pool.submit(_store_chunk, chunk), len(chunk))
                if running is not None:
                    account(running[1], running[0].result())
            finally:
                pool.submit(lambda: connection.close()).result()  # the worker thread's own connection
        return report
    for chunk in chunks:
        account(len(chunk), _store_chunk(chunk))
    return report


def _store_chunk(chunk: list[tuple]) -> tuple[int, list[int]]:
    """Store a chunk: (rows new, lines refused for reusing a client id with other content)."""
    fresh, reused = _once_per_id(chunk)
    line_of = {r[1]: r[0] for r in fresh}
    with transaction.atomic():
        if connection.vendor == "postgresql":
            stored, taken = rows_copy(fresh)
            return stored, reused + [line_of[client_id] for client_id in taken]
        rows = [Row(r[0], uuid.UUID(r[1]), r[2], r[3], r[4], r[5], Method.IMPORT) for r in fresh]
        stored = rows_insert(rows)
        lost = [r for r in rows if r.client_id not in stored]
        known = rows_stored([r.client_id for r in lost])
        return len(stored), reused + [r.index for r in lost if not same_scan(known.get(r.client_id), r)]
