"""What the hotline tells the others (epiqr.core.events; subscribe in your domain's flows.py)."""

from epiqr.core.events import Event

TICKET_FILED = Event(
    "ticket_filed",
    fields=("ticket_id", "category", "priority", "source", "team_id"),
    when="A hotline request was filed: from a call (source 'call'), the citizen's web form ('web') or "
    "raised by EpiQR itself ('system'); priority 0 urgent .. 3 low; team_id null in the intake queue.",
)
TICKET_ESCALATED = Event(
    "ticket_escalated",
    fields=("ticket_id", "team_id", "level", "missed_deadline"),
    when="A request passed its deadline and went up a level (team_id is the new team), or, at the top "
    "level, its team was told again; missed_deadline is the ISO time of the deadline that passed.",
)
TICKET_CLOSED = Event(
    "ticket_closed",
    fields=("ticket_id", "team_id", "status", "minutes_open"),
    when="A request was resolved or cancelled (status); minutes_open from filing to closing.",
)
