import json
from datetime import date

from django.core.management.base import BaseCommand, CommandError

from epiqr.cases.models import Case
from epiqr.core.errors import ServiceError
from epiqr.tracing.selectors import run_payload
from epiqr.tracing.services import run_contacts_file, run_create, tracing_triage


class Command(BaseCommand):
    help = (
        "Trace a case's contacts and store the run: epiqr trace --case ID [--policy NAME] [--degree 2] [--json]; "
        "or count the F1 contacts of every case confirmed on a day, traced together as one batch, "
        "nothing stored: epiqr trace --confirmed-on YYYY-MM-DD [--policy NAME] [--json]"
    )

    def add_arguments(self, parser):
        which = parser.add_mutually_exclusive_group(required=True)
        which.add_argument("--case", type=int)
        which.add_argument(
            "--confirmed-on",
            type=date.fromisoformat,
            help="every active case confirmed that day (YYYY-MM-DD)",
        )
        parser.add_argument("--policy", default=None, help="policy name (default: the one in force)")
        parser.add_argument("--degree", type=int, default=1, choices=[1, 2])
        parser.add_argument("--json", action="store_true", help="print the result as JSON")

    def handle(self, *args, **opts):
        try:
            if opts["confirmed_on"]:
                if opts["degree"] != 1:
                    raise CommandError("--confirmed-on traces F1 only; trace a case with --case for F2")
                return self._triage(opts["confirmed_on"], opts["policy"], opts["json"])
            return self._run(opts["case"], opts["policy"], opts["degree"], opts["json"])
        except ServiceError as exc:
            raise CommandError(exc.message) from exc

    def _run(self, case_id, policy, degree, as_json):
        case = Case.objects.select_related("person").filter(pk=case_id).first()
        if case is None:
            raise CommandError(f"no case {case_id}")
        run = run_create(case=case, policy_name=policy, degree=degree, trigger="cli")
        run_contacts_file(run_id=run.pk)  # the payload lists every contact: a large F2 filed here, not later
        payload = run_payload(run=run, user=None)
        if as_json:
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

    def _triage(self, day, policy, as_json):
        """Which of the day's cases have the most contacts: where the calling teams start."""
        used, found = tracing_triage(actor=None, day=day, policy_name=policy)
        rows = [
            {
                "case": r.case.pk,
                "person_id": r.case.person_id,
                "contacts": r.contacts,
                "high_risk": r.high_risk,
            }
            for r in found
        ]
        if as_json:
            out = {"confirmed_on": day.isoformat(), "policy": used.name, "cases": rows}
            self.stdout.write(json.dumps(out, ensure_ascii=False, indent=2))
            return
        self.stdout.write(
            f"{len(rows)} cases confirmed on {day.isoformat()}, policy {used.name}: "
            f"{sum(r['contacts'] for r in rows)} F1 contacts (one batch, nothing stored; store a run with --case ID)"
        )
        for r in rows:
            self.stdout.write(
                f"case {r['case']:>8}  {r['contacts']:>6} contacts  {r['high_risk']:>6} high risk"
            )
