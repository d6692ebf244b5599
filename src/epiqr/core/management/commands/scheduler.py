import time

from django.core.management.base import BaseCommand

from epiqr.core.scheduler import jobs, jobs_run_due


class Command(BaseCommand):
    help = "Run periodic jobs (retention purge, daily counts, ...) when due; --once for cron."

    def add_arguments(self, parser):
        parser.add_argument("--once", action="store_true", help="run what is due now and exit")
        parser.add_argument("--interval", type=int, default=60, help="seconds between checks")

    def handle(self, *args, once=False, interval=60, **options):
        self.stdout.write("jobs: " + ", ".join(f"{j.name} every {j.every}" for j in jobs()))
        while True:
            for name in jobs_run_due():
                self.stdout.write(f"started {name}")
            if once:
                return
            time.sleep(interval)
