import os
import sys
import time

from django.core.management.base import BaseCommand, CommandError

from epiqr.checkins.services import checkins_import
from epiqr.core.errors import ServiceError


class Command(BaseCommand):
    help = (
        "Import check-ins from CSV with columns venue_code, person (EpiQR public id, ID number or phone), "
        "checked_in_at (ISO 8601; without offset = Vietnam time), and optional client_id, has_symptoms. "
        "Uses COPY on PostgreSQL. Importing the same file twice stores it once."
    )

    def add_arguments(self, parser):
        parser.add_argument("file")
        parser.add_argument("--quiet", action="store_true", help="no progress bar")
        parser.add_argument(
            "--source",
            default="",
            help="the system the file comes from: its client ids are its own (another source may use the same)",
        )

    def handle(self, *args, file, quiet=False, source="", **options):
        try:
            stream = open(file, encoding="utf-8-sig", newline="")  # noqa: SIM115
        except OSError as exc:
            raise CommandError(f"cannot open {file}: {exc}") from exc
        total = max(os.path.getsize(file), 1)
        started = time.monotonic()

        def progress(rows: int) -> None:
            if quiet:
                return
            done = min(stream.buffer.tell() / total, 1.0) if hasattr(stream, "buffer") else 0
            bar = "#" * int(done * 30)
            rate = rows / max(time.monotonic() - started, 1e-6)
            sys.stderr.write(f"\r[{bar:<30}] {done:4.0%} {rows} rows {rate:,.0f}/s")
            sys.stderr.flush()

        with stream:
            try:
                sender = f"import:{source}" if source else "import"
                report = checkins_import(stream=stream, progress=progress, sender=sender)
            except ServiceError as exc:
                raise CommandError(exc.message) from exc
        if not quiet:
            sys.stderr.write("\n")
        for line in report.errors[:50]:
            self.stderr.write(f"line {line}")
        if len(report.errors) > 50:
            self.stderr.write(f"... and {len(report.errors) - 50} more bad rows")
        self.stdout.write(
            f"read {report.read} rows: stored {report.stored}, already present {report.duplicates}, "
            f"rejected {len(report.errors)}"
        )
