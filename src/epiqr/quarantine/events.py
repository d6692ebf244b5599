"""What the quarantine domain tells the others (epiqr.core.events; subscribe in your domain's flows.py)."""

from epiqr.core.events import Event

QUARANTINE_STARTED = Event(
    "quarantine_started",
    fields=("quarantine_id", "person_id", "start", "end", "follow_until"),
    when="A traced contact was placed in quarantine (or, under a policy with none, self-monitoring): "
    "ISO days; end null when the policy asks no quarantine. Checkpoints and cameras can show a breach.",
)
QUARANTINE_ENDED = Event(
    "quarantine_ended",
    fields=("quarantine_id", "person_id", "ended_on", "reason"),
    when="A contact's quarantine and follow-up ended: reason 'completed' (its days are over), "
    "'became_case' (the contact was confirmed as a case) or 'ended_by_officer'.",
)
QUARANTINE_SYMPTOMS = Event(
    "quarantine_symptoms",
    fields=("quarantine_id", "person_id", "day", "symptoms"),
    when="A contact in quarantine reported symptoms in the diary (by phone or on a call): the commune "
    "officers are told; the hotline may file a request for the team.",
)
