"""Demo quarantine: the demo officer's (demo-xa) contacts in quarantine, with diaries filled on most days
(a missed day, one contact who reported symptoms), tests due, and calls in the log.

The policy in force today (CV 1909/BYT-DP, from 15/4/2022) asks no quarantine; the demo places its
quarantines under CV 10696/BYT-MT (16/12/2021) to show quarantine days, the regime the vaccinated get
and test days, as a deployment would by setting EPIQR_QUARANTINE_POLICY."""

from datetime import timedelta

from epiqr.core.timeutil import local_today
from epiqr.tracing.models import FollowUp
from epiqr.tracing.selectors import contact_list_visible_to, run_list_visible_to
from epiqr.tracing.services import contact_transition

from . import services
from .models import Outcome, Quarantine, Source

DEMO_POLICY = "vn-2021-12-cv10696"
WANTED = 8  # contacts in quarantine in the demo officer's commune


def populate(world: dict) -> None:
    officer = world.get("users", {}).get("demo-xa")
    if officer is None:
        return
    rng = world["rng"]
    today = local_today()
    contacts: list = []
    for run in run_list_visible_to(user=officer).order_by("pk"):
        for contact in contact_list_visible_to(user=officer, run=run).filter(degree=1).order_by("pk"):
            if len(contacts) >= WANTED:
                break
            if contact.status == FollowUp.TO_CALL:
                contact = contact_transition(contact=contact, to=FollowUp.REACHED, actor=officer, note="demo")
            if contact.status == FollowUp.REACHED:
                contact = contact_transition(
                    contact=contact, to=FollowUp.QUARANTINED, actor=officer, note="demo"
                )
            if contact.status == FollowUp.QUARANTINED:
                contacts.append(contact)
    for i, contact in enumerate(contacts):
        # Placed by tracing's event under the policy of today's date; the demo shows CV 10696's days.
        Quarantine.objects.filter(contact_id=contact.pk).delete()
        q = services.quarantine_place(
            contact_id=contact.pk, actor=officer, policy_name=DEMO_POLICY, identified_on=today
        )
        day = q.start
        while day < today:
            if not (i == 1 and day == today - timedelta(days=1)):  # one contact missed yesterday's diary
                symptoms = ["cough", "sore_throat"] if i == 2 and day == today - timedelta(days=1) else []
                services.diary_record(
                    quarantine=q,
                    actor=officer if i % 2 else None,
                    source=Source.CALL if i % 2 else Source.SELF,
                    symptoms=symptoms,
                    temperature=f"{rng.choice(['36.5', '36.7', '36.9'])}",
                    day=day,
                )
            day += timedelta(days=1)
        if i % 3 == 0:
            services.call_record(quarantine=q, actor=officer, outcome=rng.choice(Outcome.values), note="demo")
    if contacts:
        world["logins"].append(
            ("demo-xa", world["password"], "contacts in quarantine, due tests, diaries, calls: /quarantine/")
        )
