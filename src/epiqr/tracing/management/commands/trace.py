import json

from django.core.management.base import BaseCommand, CommandError

from epiqr.core.errors import ServiceError


class Command(BaseCommand):
    help = "Trace a case's contacts and store the run: epiqr trace --case ID [--policy NAME] [--degree 2] [--json]"

    def add_arguments(self, parser):
        parser.add_argument("--case", type=int, required=True)
        parser.add_argument("--policy", default=None, help="policy name (default: the one in force)")
        parser.add_argument("--degree", type=int, default=1, choices=[1, 2])
        parser.add_argument("--json", action="store_true", help="print the run and contacts as JSON")

    def handle(self, *args, **opts):
        from epiqr.cases.models import Case
        from epiqr.tracing.selectors import run_payload
        from epiqr.tracing.services import run_create

        case = Case.objects.select_related("person").filter(pk=opts["case"]).first()
        if case is None:
            raise CommandError(f"no case {opts['case']}")
        try:
            run = run_create(case=case, policy_name=opts["policy"], degree=opts["degree"], trigger="cli")
        except ServiceError as exc:
            raise CommandError(exc.message) from exc
        payload = run_payload(run=run, user=None)
        if opts["json"]:
            self.stdout.write(json.dumps(payload, ensure_ascii=False, indent=2))
            return
        r = payload["run"]
        self.stdout.write(
            f"run {r['id']} case {r['case']} policy {r['policy']} v{r['policy_version']} degree {r['degree']}: "
            f"{len(payload['contacts'])} contacts"
        )
        for c in payload["contacts"]:
            first = c["exposures"][0]
            self.stdout.write(
                f"F{c['degree']} {c['risk']:4} {c['full_name']:<28} {c['phone']:<12} "
                f"{first['venue_name'][:30]:<30} {first['start']}"
            )
