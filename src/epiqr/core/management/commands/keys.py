from django.core.management.base import BaseCommand, CommandError

from epiqr.core import keyring, services
from epiqr.core.errors import ServiceError
from epiqr.core.models import SigningKey


class Command(BaseCommand):
    help = (
        "Signing keys of certificates and permits (core.keyring): list, rotate (new active key, the old one "
        "retired), retire, withdraw (compromised), export the trust list, revoke one code."
    )

    def add_arguments(self, parser):
        sub = parser.add_subparsers(dest="action", required=True)
        sub.add_parser("list", help="every key of every purpose, with its status")
        rotate = sub.add_parser("rotate", help="a new active key for PURPOSE; the previous one is retired")
        rotate.add_argument("purpose")
        rotate.add_argument("--reason", default="scheduled rotation")
        retire = sub.add_parser("retire", help="stop KID signing (it still verifies what it signed)")
        retire.add_argument("kid")
        retire.add_argument("--reason", default="")
        withdraw = sub.add_parser(
            "withdraw", help="compromised KID: out of the trust list, private half erased"
        )
        withdraw.add_argument("kid")
        withdraw.add_argument("--reason", required=True)
        export = sub.add_parser("export", help="write PURPOSE's trust list (JSON) for offline verifiers")
        export.add_argument("purpose")
        export.add_argument("--out", default="-", help="file to write (default: standard output)")
        revoke = sub.add_parser(
            "revoke", help="revoke one code of PURPOSE by its identifier (UVCI, permit number)"
        )
        revoke.add_argument("purpose")
        revoke.add_argument("identifier")
        revoke.add_argument("--reason", required=True)

    def handle(self, *args, action, **o):
        try:
            if action == "list":
                self._list()
            elif action == "rotate":
                row = services.signing_key_rotate(purpose=o["purpose"], reason=o["reason"])
                self.stdout.write(f"{row.purpose}: new active key {row.kid}")
            elif action == "retire":
                row = services.signing_key_retire(kid=o["kid"], reason=o["reason"])
                self.stdout.write(f"{row.kid} retired; verifies until {row.verify_until:%Y-%m-%d}")
            elif action == "withdraw":
                row = services.signing_key_withdraw(kid=o["kid"], reason=o["reason"])
                self.stdout.write(f"{row.kid} withdrawn: every code it signed now fails verification")
            elif action == "export":
                self._export(o["purpose"], o["out"])
            elif action == "revoke":
                services.revocation_add(purpose=o["purpose"], identifier=o["identifier"], reason=o["reason"])
                self.stdout.write(f"revoked in {o['purpose']}: {keyring.identifier_digest(o['identifier'])}")
        except (keyring.KeyringError, ServiceError) as exc:
            raise CommandError(getattr(exc, "message", str(exc))) from exc

    def _list(self):
        for name in sorted(keyring.purposes()):
            self.stdout.write(f"{name}:")
            rows = SigningKey.objects.filter(purpose=name).order_by("-created_at")
            if not rows:
                self.stdout.write(f"  (no key yet: `epiqr keys rotate {name}`)")
            for row in rows:
                until = f", verifies until {row.verify_until:%Y-%m-%d}" if row.verify_until else ""
                self.stdout.write(f"  {row.kid}  {row.status:<9}  created {row.created_at:%Y-%m-%d}{until}")

    def _export(self, purpose, out):
        import json

        from django.conf import settings

        text = json.dumps(keyring.trust_list(purpose, base_url=settings.PUBLIC_BASE_URL), indent=1)
        if out == "-":
            self.stdout.write(text)
        else:
            with open(out, "w", encoding="utf-8") as fh:
                fh.write(text + "\n")
            self.stdout.write(f"trust list of {purpose} written to {out}")
