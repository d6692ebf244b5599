"""Reactions of the hotline to what happens elsewhere: requests EpiQR raises itself.

The quarantine domain's `quarantine_symptoms` (a contact in quarantine reported symptoms) files a
high-priority request for the commune team, linked to the person, one open request per quarantine, and
its `quarantine_diary_missed` (two silent days after the reminders) a low-priority call request; the
cameras' `camera_alert` files one for the commune team per alert episode of a crowd camera or of a
quarantined door: one open request per camera, its later alerts go into that request's history. The
priorities, deadlines and teams are the rules' (rules.HN_1022_V2: data).

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
from datetime import date

from django.conf import settings
from django.utils import translation
from django.utils.translation import gettext as _

from epiqr.cameras.models import AlertKind
from epiqr.cameras.selectors import alert_get
from epiqr.core import events
from epiqr.quarantine.models import Symptom

from . import rules, services
from .models import Category, Ticket


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


def on_quarantine_symptoms(*, quarantine_id: int, person_id: int, day: str, symptoms: list) -> Ticket | None:
    """Symptoms in the quarantine diary: a request for the commune team to call and arrange a test
    (high by the rules), linked to the person; one per diary day, one open request per quarantine."""
    with translation.override(settings.LANGUAGE_CODE):
        names = ", ".join(
            str(Symptom(code).label) if code in Symptom.values else str(code) for code in symptoms
        )
        text = _(
            "Symptoms reported in quarantine on %(day)s: %(symptoms)s. Call them and arrange a test."
        ) % {
            "day": _day(day),
            "symptoms": names or "—",
        }
    return services.ticket_raise(
        key=f"quarantine_symptoms:{quarantine_id}:{day}",
        person_id=person_id,
        case_id=None,
        reason=text,
        severity=1,
        category=Category.OTHER,
        alert=rules.QUARANTINE_SYMPTOMS,
        origin=f"quarantine:{quarantine_id}",
    )


def on_quarantine_diary_missed(*, quarantine_id: int, person_id: int, days: list) -> Ticket | None:
    """Two days running without a diary entry (each reminded by SMS): a call request for the commune
    team (low by the rules), linked to the person; one per silence, and while the quarantine's request
    is open the silence goes into its history."""
    with translation.override(settings.LANGUAGE_CODE):
        text = _(
            "No quarantine diary on %(days)s despite the reminders. Call them to check how they are."
        ) % {"days": ", ".join(_day(str(d)) for d in days) or "—"}
    last = str(days[-1]) if days else ""
    return services.ticket_raise(
        key=f"quarantine_diary_missed:{quarantine_id}:{last}",
        person_id=person_id,
        case_id=None,
        reason=text,
        severity=1,
        category=Category.OTHER,
        alert=rules.QUARANTINE_DIARY_MISSED,
        origin=f"quarantine:{quarantine_id}",
    )


CAMERA_ALERTS: dict[str, str] = {AlertKind.CROWD: rules.CAMERA_CROWD, AlertKind.DOOR: rules.CAMERA_DOOR}


def on_camera_alert(
    *, alert_id: int, camera_id: int, kind: str, commune_id: int, person_id: int | None, people: int | None,
    at: str,
) -> Ticket | None:  # fmt: skip
    """A crowd camera's sustained crowd, or movement through a quarantined door: a request for the
    commune team (a violation to check, high by the rules, within the hour) at the camera's place. One
    open request per camera: while it is open the next alerts of the camera go into its history. A refused
    code at a checkpoint camera is the checkpoint's business (its officers are told): no request."""
    if kind not in CAMERA_ALERTS:
        return None
    alert = alert_get(alert_id=alert_id)
    if alert is None:
        return None
    camera = alert.camera
    with translation.override(settings.LANGUAGE_CODE):
        if kind == AlertKind.CROWD:
            text = _(
                "Camera %(camera)s: %(people)s people, above its threshold of %(threshold)s for "
                "%(minutes)s minutes. Go and ask people to keep their distance."
            ) % {
                "camera": camera.name,
                "people": people if people is not None else "?",
                "threshold": camera.threshold,
                "minutes": camera.sustain_minutes,
            }
        else:
            text = _(
                "Camera %(camera)s: movement through the door of a household in quarantine. Check on them."
            ) % {"camera": camera.name}
        if camera.location:
            text = f"{text} ({camera.location})"
    return services.ticket_raise(
        key=f"camera_alert:{alert_id}",
        person_id=person_id,
        case_id=None,
        reason=text,
        severity=1,
        category=Category.VIOLATION,
        alert=CAMERA_ALERTS[kind],
        origin=f"camera:{camera_id}",
        commune_id=commune_id,
        address=camera.location,
        notify=False,  # the request is the commune's, not a caller's: nobody is sent its number
    )


def _day(iso: str) -> str:
    try:
        return date.fromisoformat(iso).strftime("%d/%m/%Y")
    except ValueError:
        return iso


HANDLERS: dict[str, Callable[..., Ticket | None]] = {
    "care_warning": on_care_warning,
    "care_report_missed": on_care_report_missed,
    "quarantine_symptoms": on_quarantine_symptoms,
    "quarantine_diary_missed": on_quarantine_diary_missed,
    "camera_alert": on_camera_alert,
}


def subscribe(registry: events.Registry) -> list[str]:
    """Subscribe the handlers to those of their events the registry declares; their names."""
    subscribed = [name for name in HANDLERS if name in registry.events]
    for name in subscribed:
        registry.on(name)(HANDLERS[name])
    return subscribed


subscribe(events.registry)
