from django.core.management.base import BaseCommand, CommandError

from epiqr.checkins.services import checkins_import
from epiqr.core.errors import ServiceError
from epiqr.core.progress import TerminalProgress


def _lines(path: str) -> int:
    """Data rows of a CSV file, counted in one pass over its bytes (for the progress bar's total)."""
    count = 0
    with open(path, "rb") as f:
        while block := f.read(1 << 20):
            count += block.count(b"\n")
    return max(count - 1, 0)


class Command(BaseCommand):
    help = (
        "Import check-ins from CSV with columns venue_code, person (EpiQR public id, ID number or phone), "
        "checked_in_at (ISO 8601; without offset = Vietnam time), and optional client_id, has_symptoms. "
        "Uses COPY on PostgreSQL. Importing the same file twice stores it once. A progress bar is drawn "
        "on a terminal (not when the output goes to a file or a pipe)."
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
            total = _lines(file)
        except OSError as exc:
            raise CommandError(f"cannot open {file}: {exc}") from exc
        # stderr's own stream: Django's wrapper ends every write with a newline, a bar redraws its line
        progress = TerminalProgress(
            label="import_checkins", stream=self.stderr._out, enabled=False if quiet else None
        )
        progress.start(total=total, stage="")
        with stream:
            try:
                sender = f"import:{source}" if source else "import"
                report = checkins_import(stream=stream, progress=progress, sender=sender)
            except ServiceError as exc:
                raise CommandError(exc.message) from exc
            finally:
                progress.finish()
        for refused in report.refused[:50]:
            self.stderr.write(f"line {refused}")
        if len(report.refused) > 50:
            self.stderr.write(f"... and {len(report.refused) - 50} more bad rows")
        self.stdout.write(
            f"read {report.read} rows: stored {report.stored}, already present {report.unchanged}, "
            f"rejected {len(report.refused)}"
        )
