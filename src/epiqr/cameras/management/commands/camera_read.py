from django.core.management.base import BaseCommand, CommandError

from epiqr.cameras.models import Camera
from epiqr.cameras.worker import read_source


class Command(BaseCommand):
    help = "Read a camera's video file or stream (bounded) into passages, counts and alerts."

    def add_arguments(self, parser):
        parser.add_argument("camera", help="the camera's code")
        parser.add_argument(
            "source", nargs="?", help="a video file or stream address (default: the camera's)"
        )
        parser.add_argument("--max-frames", type=int, default=1000)
        parser.add_argument("--max-seconds", type=float, default=3600.0)
        parser.add_argument("--every", type=int, default=1, help="process every N-th frame")

    def handle(self, *args, **options):
        camera = Camera.objects.filter(code=options["camera"], active=True).first()
        if camera is None:
            raise CommandError(f"no active camera {options['camera']!r}")
        source = options["source"] or camera.stream_url
        if not source:
            raise CommandError("give a file or stream, or set the camera's stream address")
        report = read_source(
            camera=camera,
            source=source,
            max_frames=options["max_frames"],
            max_seconds=options["max_seconds"],
            every=options["every"],
        )
        if report.ended == "cannot open":
            raise CommandError(f"cannot open {source!r}")
        self.stdout.write(
            f"{report.frames_read} frames read, {report.frames_processed} processed, {report.codes} codes, "
            f"{len(report.alerts)} alerts ({report.ended})"
        )
