"""Reactions of the hotline to what happens elsewhere: requests EpiQR raises itself.

The care domain (issue 13) declares `care_warning` (a warning sign or a low SpO2 of an F0 at home:
person_id, case_id, reason, severity) and `care_report_missed` (person_id, case_id, slot). The handlers
below file a request for the person's medical team through `services.ticket_raise` (one per missed slot,
one open request per person: a later alert goes into its history).

`subscribe(registry)` subscribes each handler to its event when the registry declares that event, so the
day the care domain lands its events (core's start-up declares every domain's events before it imports
the flows modules) the hotline reacts to them, and until then nothing refers to an undeclared event
(the registry refuses that at start-up). Start-up checks that the handlers take the declared fields:
a change of the contract fails loudly there. Tests declare the events in a registry of their own
(tests/hotline/test_flows.py).
"""

from collections.abc import Callable

from django.conf import settings
from django.utils import translation
from django.utils.translation import gettext as _

from epiqr.core import events

from . import services
from .models import Ticket


def on_care_warning(*, person_id: int, case_id: int | None, reason: str, severity: int) -> Ticket | None:
    """A warning sign at home: an urgent request for the person's medical team (the rules make an F0
    with a warning sign urgent, and a severe alert urgent even without an active case)."""
    return services.ticket_raise(
        key=f"care_warning:{person_id}:{_warning_number(person_id)}",
        person_id=person_id,
        case_id=case_id,
        reason=reason,
        severity=severity,
        warning_sign=True,
    )


def on_care_report_missed(*, person_id: int, case_id: int | None, slot: str) -> Ticket | None:
    """A missed self-report: a request for the team to call the person (once per missed slot)."""
    return services.ticket_raise(
        key=f"care_report_missed:{person_id}:{slot}",
        person_id=person_id,
        case_id=case_id,
        reason=_missed_text(slot),
        severity=1,
        warning_sign=False,
    )


def _missed_text(slot: str) -> str:
    """In the site's language (Vietnamese), whatever the language of the request that emitted the event:
    the text is the request's description, read by the team."""
    with translation.override(settings.LANGUAGE_CODE):
        return _("Missed the self-report of %(slot)s: call to check on them.") % {"slot": slot}


def _warning_number(person_id: int) -> int:
    """The n-th request raised by a warning for this person: a warning carries no id of its own, and two
    filed at the same moment get the same key (the second then joins the first)."""
    return (
        Ticket.objects.filter(
            person_id=person_id, system_key__startswith=f"care_warning:{person_id}:"
        ).count()
        + 1
    )


HANDLERS: dict[str, Callable[..., Ticket | None]] = {
    "care_warning": on_care_warning,
    "care_report_missed": on_care_report_missed,
}


def subscribe(registry: events.Registry) -> list[str]:
    """Subscribe the handlers to those of their events the registry declares; their names."""
    subscribed = [name for name in HANDLERS if name in registry.events]
    for name in subscribed:
        registry.on(name)(HANDLERS[name])
    return subscribed


subscribe(events.registry)
