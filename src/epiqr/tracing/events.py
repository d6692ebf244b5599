"""What the tracing domain tells the others (epiqr.core.events; subscribe in your domain's flows.py)."""

from epiqr.core.events import Event

RUN_QUEUED = Event(
    "run_queued",
    fields=("case_id", "policy_name", "degree", "actor_id", "trigger"),
    when="A tracing run was asked for that a worker computes (an F2 run when EPIQR_TASKS=database), from "
    "the case page or the API; tracing's flows trace and store it, then tell the officer who asked "
    "(actor_id) where it is. policy_name null: the policy in force for the case.",
)
CONTACT_FOLLOWED_UP = Event(
    "contact_followed_up",
    fields=("contact_id", "person_id", "from_status", "to_status", "actor_id"),
    when="A traced contact's follow-up status moved (tracing.services.contact_transition: to_call, "
    "reached, unreachable, quarantined, tested, negative, positive); the quarantine domain places the "
    "contact in quarantine when they reach 'quarantined' and carries the later states.",
)
