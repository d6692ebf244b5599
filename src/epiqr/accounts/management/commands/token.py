from django.core.management.base import BaseCommand, CommandError

from epiqr.accounts import services
from epiqr.accounts.models import User


class Command(BaseCommand):
    help = "Create an API token for a user (printed once): use it as `Authorization: Bearer <token>`."

    def add_arguments(self, parser):
        parser.add_argument("username")
        parser.add_argument("--name", default="cli", help="device or purpose of the token")

    def handle(self, *args, **o):
        try:
            user = User.objects.get(username=o["username"])
        except User.DoesNotExist as exc:
            raise CommandError(f"no such user: {o['username']}") from exc
        self.stdout.write(services.api_token_create(user=user, name=o["name"]))
