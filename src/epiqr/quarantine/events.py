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
    "'became_case' (the contact was confirmed as a case), 'ruled_out' (the officer found the person was "
    "not a contact after all, with a reason in the history) or 'ended_by_officer'.",
)
QUARANTINE_SYMPTOMS = Event(
    "quarantine_symptoms",
    fields=("quarantine_id", "person_id", "day", "symptoms"),
    when="A contact in quarantine reported symptoms in the diary (by phone or on a call): the commune "
    "officers are told; the hotline may file a request for the team.",
)
QUARANTINE_DIARY_MISSED = Event(
    "quarantine_diary_missed",
    fields=("quarantine_id", "person_id", "days"),
    when="A contact in quarantine left two days running without a diary entry (ISO days, after a reminder "
    "each): emitted once per silence by the scheduler's sweep; the assigned officer (else the commune's "
    "officers) is told.",
)
