import logging

from django.conf import settings
from django.core.management.base import BaseCommand, CommandError
from django.db import transaction

from epiqr.accounts.demo import demo_otp_key, logins_refresh
from epiqr.accounts.models import User
from epiqr.core.demo import DEMO_PASSWORD, demo_populate


class Command(BaseCommand):
    """`epiqr demo`: the world is built by core.demo (each domain's demo.py in turn); the logins it
    prints and refreshes are accounts', hence the command's home here."""

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
        if settings.PRODUCTION:
            raise CommandError("epiqr demo makes logins with a published password: not in production.")

        hints = settings.VAR_DIR / "demo-hints.txt"
        if o["if_empty"] and User.objects.filter(username="admin").exists():
            self.stdout.write("demo data already loaded.")
            if logins_refresh(password=DEMO_PASSWORD):
                self.stdout.write("demo logins updated: new password and second-factor key.")
        else:
            # The demo sends a few hundred SMS through the logging adapter; keep the terminal readable.
            logging.getLogger("epiqr.notify").setLevel(logging.WARNING)
            with transaction.atomic():
                world = demo_populate(seed=o["seed"], scale=o["scale"], out=self.stdout.write)
            hints.write_text(
                "".join(f"  {who:<24} {what}\n" for who, _password, what in world["logins"]), encoding="utf-8"
            )
        self.print_logins()
        if hints.exists():
            self.stdout.write("What to try:\n" + hints.read_text(encoding="utf-8"))
        self.stdout.write("Open http://127.0.0.1:8000/ and log in.\n")

    def print_logins(self):
        self.stdout.write(f"\nDemo logins (password for all: {DEMO_PASSWORD}):")
        key = demo_otp_key()
        if key:
            self.stdout.write(
                "Second factor of the officer, lab, sampling, hotline and admin logins: the code is shown on\n"
                "the login page in development, or add this key to an authenticator app (time-based):\n"
                f"  {key}"
            )
        for user in User.objects.filter(username__in=["admin"]) | User.objects.filter(
            username__startswith="demo-"
        ):
            scope = (
                user.commune or user.province or (f"{user.org_kind} #{user.org_id}" if user.org_kind else "")
            )
            self.stdout.write(f"  {user.username:<24} {user.get_role_display()}  {scope}")
