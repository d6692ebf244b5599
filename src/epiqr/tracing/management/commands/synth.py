from datetime import date

from django.core.management.base import BaseCommand

from epiqr.core.progress import TerminalProgress
from epiqr.tracing.synth import synth_world


class Command(BaseCommand):
    help = "Generate a reproducible synthetic world (venues, people, check-ins) for benchmarks."

    def add_arguments(self, parser):
        parser.add_argument("--venues", type=int, default=1000)
        parser.add_argument("--people", type=int, default=20000)
        parser.add_argument("--checkins", type=int, default=200000)
        parser.add_argument("--days", type=int, default=14)
        parser.add_argument("--seed", type=int, default=2021)
        parser.add_argument("--skew", type=float, default=0.8, help="Zipf exponent of venue popularity")
        parser.add_argument("--last-day", type=date.fromisoformat, default=None, help="YYYY-MM-DD (local)")
        parser.add_argument("--province", type=int, default=1, help="province code for communes (1 = Hà Nội)")
        parser.add_argument("--quiet", action="store_true", help="no progress bar")

    def handle(self, *args, **opts):
        # A bar on a terminal (stderr's own stream: Django's wrapper ends every write with a newline);
        # nothing but the summary when the output goes to a file or a pipe.
        progress = TerminalProgress(
            label="synth", stream=self.stderr._out, enabled=False if opts["quiet"] else None
        )
        report = synth_world(
            venues=opts["venues"],
            people=opts["people"],
            checkins=opts["checkins"],
            days=opts["days"],
            seed=opts["seed"],
            skew=opts["skew"],
            last_day=opts["last_day"],
            province_code=opts["province"],
            out=lambda line: None,
            progress=progress,
        )
        progress.finish()
        self.stdout.write(
            f"synth: done: {report.venues} venues, {report.people} people, {report.checkins} check-ins "
            f"from {report.first_day} to {report.last_day} in {report.seconds:.1f}s"
        )
