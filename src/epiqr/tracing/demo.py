"""Demo tracing: runs for the demo cases with some contacts already followed up, messages in the outbox."""

from .models import FollowUp, RunStatus
from .services import contact_transition, run_create, run_notify


def populate(world: dict) -> None:
    cases = world.get("cases") or []
    officer = world.get("users", {}).get("demo-xa")
    rng = world["rng"]
    for i, case in enumerate(cases):
        if case.source == "lab" or case.tracing_runs.exists():
            continue  # a lab case is traced for review by tracing's flows once the demo is committed
        run = run_create(case=case, policy_name="vn-window-60", degree=2 if i == 0 else 1, by=officer)
        steps = [
            [FollowUp.REACHED],
            [FollowUp.UNREACHABLE],
            [FollowUp.REACHED, FollowUp.QUARANTINED],
            [FollowUp.REACHED, FollowUp.TESTED, FollowUp.NEGATIVE],
            [FollowUp.REACHED, FollowUp.TESTED],
        ]
        # Follow-up under way where the demo officer sees it: contacts of their commune first, F1 first.
        mine = run.contacts.filter(commune_id=getattr(officer, "commune_id", None)).order_by("degree", "pk")
        for contact in list(mine or run.contacts.order_by("degree", "pk"))[: rng.randint(3, 8)]:
            for step in rng.choice(steps):
                contact = contact_transition(contact=contact, to=step, by=officer, note="demo")
        if i == 0 and officer is not None:
            run_notify(run=run, user=officer, channel="sms")
        if run.status == RunStatus.REVIEW:
            continue
    world["logins"].append(("demo-tinh", world["password"], "clusters of the province: /tracing/clusters/"))
