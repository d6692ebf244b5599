from django.core.management.base import BaseCommand
from django.db import transaction

from epiqr.core.demo import demo_populate


class Command(BaseCommand):
    help = "Fill an empty database with a small believable world (made-up people) and demo logins."

    def add_arguments(self, parser):
        parser.add_argument(
            "--if-empty", action="store_true", help="do nothing if demo data is already there"
        )
        parser.add_argument("--seed", type=int, default=2021)
        parser.add_argument(
            "--scale", type=float, default=1.0, help="multiply the number of people and venues"
        )

    def handle(self, *args, **o):
        from epiqr.accounts.models import User

        if o["if_empty"] and User.objects.filter(username="admin").exists():
            self.stdout.write("demo data already loaded.")
        else:
            with transaction.atomic():
                demo_populate(seed=o["seed"], scale=o["scale"], out=self.stdout.write)
        self.print_logins()

    def print_logins(self):
        from epiqr.accounts.models import User
        from epiqr.core.demo import DEMO_PASSWORD

        self.stdout.write(f"\nDemo logins (password for all: {DEMO_PASSWORD}):")
        for user in User.objects.filter(username__startswith="demo-").order_by("role") | User.objects.filter(
            username="admin"
        ):
            scope = (
                user.commune or user.province or (f"{user.org_kind} #{user.org_id}" if user.org_kind else "")
            )
            self.stdout.write(f"  {user.username:<24} {user.get_role_display()}  {scope}")
        self.stdout.write("Open http://127.0.0.1:8000/ and log in.\n")
