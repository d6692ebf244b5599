"""Reactions to results (the `result_recorded` event, testing/events.py), each run by a worker after the
results are committed: a confirmed positive opens a case (source "lab"; tracing reacts to `case_opened`
and tells the commune officer), a correction no longer positive cancels the case its positive opened, and
every resolved person gets a message saying what their result means."""

import logging

from django.conf import settings
from django.utils.translation import gettext as _

from epiqr.accounts.models import User
from epiqr.cases.selectors import person_active_case
from epiqr.cases.services import case_cancel, case_open
from epiqr.core import events
from epiqr.core.errors import Conflict, ServiceError
from epiqr.core.timeutil import local, now
from epiqr.notify.services import message_send

from .models import TubeMember
from .pools import Outcome
from .results import results_mark_notified

log = logging.getLogger("epiqr.testing")


def _staff(actor_id: int | None) -> User | None:
    return User.objects.filter(pk=actor_id).first() if actor_id else None


@events.on("result_recorded", background=True)
def open_cases_for_positives(*, tube_ids: list[int], actor_id: int | None, corrected: bool) -> int:
    """Open a case for every confirmed positive in these tubes; someone already a case is left as is."""
    actor = _staff(actor_id)
    opened = 0
    positives = TubeMember.objects.filter(tube_id__in=tube_ids, outcome=Outcome.POSITIVE).select_related(
        "person"
    )
    for member in positives:
        try:
            case_open(
                person=member.person,
                confirmed_on=local(member.resulted_at or now()).date(),
                sample_on=local(member.added_at).date(),
                source="lab",
                actor=actor,
            )
            opened += 1
        except Conflict:
            continue  # already an active case: the new result adds nothing to open
        except ServiceError as exc:
            log.warning("case for tube member %s not opened: %s", member.pk, exc.message)
    return opened


@events.on("result_recorded", background=True)
def cancel_cases_no_longer_positive(*, tube_ids: list[int], actor_id: int | None, corrected: bool) -> int:
    """A corrected result that is no longer positive cancels the case its positive opened: an active
    lab case of the member with that sample date, when none of the person's results is still positive.
    Cases opened by hand or from another sample are left to the officer. Only a correction can do it."""
    if not corrected:
        return 0
    actor = _staff(actor_id)
    cancelled = 0
    members = (
        TubeMember.objects.filter(tube_id__in=tube_ids)
        .exclude(outcome=Outcome.POSITIVE)
        .select_related("tube")
    )
    for member in members:
        case = person_active_case(person_id=member.person_id)
        if case is None or case.source != "lab" or case.sample_on != local(member.added_at).date():
            continue
        if TubeMember.objects.filter(person_id=member.person_id, outcome=Outcome.POSITIVE).exists():
            continue
        reason = _("the lab corrected the result of tube %(barcode)s to “%(result)s”.") % {
            "barcode": member.tube.barcode,
            "result": member.tube.get_result_display(),
        }
        try:
            case_cancel(case=case, reason=reason[:1].upper() + reason[1:], actor=actor)
            cancelled += 1
        except ServiceError as exc:
            log.warning("case %s not cancelled: %s", case.pk, exc.message)
    return cancelled


def result_message(*, outcome: str, name: str, barcode: str) -> str:
    """The text a person receives for an outcome (SMS-length, Vietnamese)."""
    hotline = settings.EPIQR_HOTLINE
    values = {"name": name, "barcode": barcode, "hotline": hotline}
    if outcome == Outcome.NEGATIVE:
        return _("EpiQR: %(name)s, your test (tube %(barcode)s) is NEGATIVE.") % values
    if outcome == Outcome.POOL_POSITIVE:
        return (
            _(
                "EpiQR: %(name)s, your pooled sample (tube %(barcode)s) was positive. This does not mean you "
                "are infected: stay at home and come back for an individual test today. Questions: %(hotline)s."
            )
            % values
        )
    if outcome == Outcome.POSITIVE:
        return (
            _(
                "EpiQR: %(name)s, your test (tube %(barcode)s) is POSITIVE. Stay at home, away from others, "
                "wear a mask; the commune health station will call you. Breathing difficulty: call "
                "%(hotline)s or 115 now."
            )
            % values
        )
    if outcome == Outcome.RESAMPLE:
        return (
            _(
                "EpiQR: %(name)s, your sample (tube %(barcode)s) could not be read. Please come back for a new swab."
            )
            % values
        )
    raise ValueError(f"no message for outcome {outcome!r}")


@events.on("result_recorded", background=True)
def notify_results(*, tube_ids: list[int], actor_id: int | None, corrected: bool) -> int:
    """Send each not-yet-notified member of these tubes their result by SMS (or email without a phone)."""
    sent: list[int] = []
    members = (
        TubeMember.objects.filter(tube_id__in=tube_ids, notified_at__isnull=True)
        .exclude(outcome=Outcome.PENDING)
        .select_related("person", "tube")
    )
    for member in members.iterator(chunk_size=2000):
        person = member.person
        channel, recipient = ("sms", person.phone) if person.phone else ("email", person.email)
        if not recipient:
            continue
        message_send(
            channel=channel,
            recipient=recipient,
            subject=_("Your test result") if channel == "email" else "",
            body=result_message(outcome=member.outcome, name=person.full_name, barcode=member.tube.barcode),
            template=f"testing.{member.outcome}",
            related=member,
        )
        sent.append(member.pk)
    results_mark_notified(member_ids=sent)
    return len(sent)
