"""`epiqr posters --commune 70 --sector food --size A5 --out posters.pdf`: one PDF, a page per venue."""

from pathlib import Path

from django.core.management.base import BaseCommand, CommandError
from django.utils import translation

from epiqr.core.progress import TerminalProgress
from epiqr.venues import posters
from epiqr.venues.models import Sector, Venue
from epiqr.venues.selectors import venue_url


class Command(BaseCommand):
    help = "Print QR posters of active venues (optionally one commune and/or sector) into one PDF."

    def add_arguments(self, parser):
        parser.add_argument("--commune", type=int, help="commune code (see /api/v1/geo/communes)")
        parser.add_argument("--sector", choices=Sector.values)
        parser.add_argument("--size", choices=sorted(posters.PAGE_SIZES), default="A4")
        parser.add_argument("--out", required=True, help="PDF file to write")
        parser.add_argument("--quiet", action="store_true", help="no progress bar")

    def handle(self, *args, commune=None, sector=None, size="A4", out=None, quiet=False, **options):
        qs = Venue.objects.filter(is_active=True).select_related("commune", "commune__province")
        if commune is not None:
            qs = qs.filter(commune_id=commune)
        if sector:
            qs = qs.filter(sector=sector)
        venues = list(qs.order_by("commune_id", "name"))
        if not venues:
            raise CommandError("No active venue matches; nothing written.")
        # A bar on a terminal only (stderr's own stream: Django's wrapper ends every write with a newline).
        progress = TerminalProgress(
            label="posters", stream=self.stderr._out, enabled=False if quiet else None
        )
        progress.start(total=len(venues))
        with translation.override("vi"):
            pdf = posters.posters_pdf(
                venues=[(v, venue_url(venue=v)) for v in venues], size=size, progress=progress
            )
        progress.finish()
        path = Path(out)
        try:
            path.write_bytes(pdf)
        except OSError as exc:
            raise CommandError(f"Cannot write {path}: {exc}") from exc
        self.stdout.write(f"{len(venues)} poster(s), {size}, written to {path}")
