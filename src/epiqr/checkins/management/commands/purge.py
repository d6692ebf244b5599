from django.core.management.base import BaseCommand

from epiqr.checkins.services import checkins_purge


class Command(BaseCommand):
    help = "Delete check-ins and health declarations older than EPIQR_RETENTION_DAYS (daily counts stay)."

    def add_arguments(self, parser):
        parser.add_argument("--days", type=int, default=None, help="override EPIQR_RETENTION_DAYS")

    def handle(self, *args, days=None, **options):
        report = checkins_purge(days=days)
        self.stdout.write(
            f"purged before {report.cutoff:%Y-%m-%d %H:%M %Z}: {report.checkins} check-ins, "
            f"{report.declarations} declarations; daily counts kept for {report.days_rolled_up} day(s)"
        )
