from django.core.management.base import BaseCommand, CommandError

from epiqr.accounts import services
from epiqr.core.errors import ServiceError


class Command(BaseCommand):
    help = "Create a staff account with a role and a scope (province/commune code or organisation)."

    def add_arguments(self, parser):
        parser.add_argument("username")
        parser.add_argument("--role", required=True)
        parser.add_argument("--password", help="omit to read EPIQR_NEW_PASSWORD or leave the login disabled")
        parser.add_argument("--name", default="")
        parser.add_argument("--email", default="")
        parser.add_argument("--province", type=int)
        parser.add_argument("--commune", type=int)
        parser.add_argument("--org-kind", default="")
        parser.add_argument("--org-id", type=int)

    def handle(self, *args, **o):
        import os

        try:
            user = services.user_create(
                username=o["username"],
                password=o["password"] or os.environ.get("EPIQR_NEW_PASSWORD"),
                role=o["role"],
                full_name=o["name"],
                email=o["email"],
                province_id=o["province"],
                commune_id=o["commune"],
                org_kind=o["org_kind"],
                org_id=o["org_id"],
            )
        except ServiceError as exc:
            raise CommandError(exc.message) from exc
        self.stdout.write(f"created {user.username} ({user.role})")
