"""What the vaccination domain tells the others (epiqr.core.events; subscribe in your domain's flows.py)."""

from epiqr.core.events import Event

DOSE_RECORDED = Event(
    "dose_recorded",
    fields=("dose_id", "person_id", "number", "product", "source", "actor_id"),
    when="A dose was recorded: at a vaccinator station, by another system through the API, or from an "
    "imported history (source 'station', 'api' or 'import'); actor_id is the staff user or null. "
    "Coverage counts read vaccination.selectors.coverage.",
)
CERTIFICATE_REVOKED = Event(
    "certificate_revoked",
    fields=("certificate_id", "person_id", "actor_id"),
    when="A vaccination certificate issued in error was revoked; verifiers refuse it from the next "
    "revocation list they load.",
)
