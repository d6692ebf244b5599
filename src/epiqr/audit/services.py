"""The alert: one account reading more different people in an hour than EPIQR_AUDIT_PEOPLE_PER_HOUR.

Checked after every audited read that read somebody (core.audit.LISTENERS): one indexed read of the
account's last hour of AuditPerson rows (actor, time, person: an index-only scan), counting distinct
people and stopping at the limit + 1, so it never costs more than the limit's worth of index entries and
writes nothing. It is exact whatever the number of workers (a counter kept per process or in a cache
would let a reader spread over several workers pass unseen, or cost writes). The administrators are told
once per account per hour: through the outbox, and as an alert event the log viewer highlights. An
account past the limit pays that count and a look for its last alert on each read until the hour is over.
"""

from datetime import timedelta

from django.conf import settings
from django.db import transaction

from epiqr.core.models import AuditEvent, AuditPerson

from .selectors import ALERT

WINDOW = timedelta(hours=1)


def people_per_hour_limit() -> int:
    return settings.EPIQR_AUDIT_PEOPLE_PER_HOUR


def people_read_in_window(*, actor_id: int, until, stop_at: int | None = None) -> int:
    """Different people the account read in the hour before `until` (counting stops at `stop_at`)."""
    qs = (
        AuditPerson.objects.filter(actor_id=actor_id, at__gt=until - WINDOW, at__lte=until)
        .values("person_id")
        .distinct()
        .order_by()
    )
    return (qs[:stop_at] if stop_at else qs).count()


def alert_check(*, event: AuditEvent, people: int) -> AuditEvent | None:
    """After an audited read: alert the administrators when the reader crossed the hourly limit (once per
    account per hour). Returns the alert event, or None."""
    if not people or event.actor_id is None:
        return None
    limit = people_per_hour_limit()
    count = people_read_in_window(actor_id=event.actor_id, until=event.at, stop_at=limit + 1)
    if count <= limit:
        return None
    return _alert(event=event, limit=limit)


def _alert(*, event: AuditEvent, limit: int) -> AuditEvent | None:
    from epiqr.accounts.models import User

    with transaction.atomic():
        # One alert per account per hour, even when two of its requests cross the limit together.
        actor = User.objects.select_for_update().get(pk=event.actor_id)
        if AuditEvent.objects.filter(action=ALERT, actor_id=actor.pk, at__gt=event.at - WINDOW).exists():
            return None
        count = people_read_in_window(actor_id=actor.pk, until=event.at)  # the whole count, for the message
        alert = AuditEvent.objects.create(
            at=event.at,
            actor=actor,
            action=ALERT,
            reason=f"{count} > {limit}",
            row_count=count,
            people_count=count,
            detail={"limit": limit, "event": event.pk, "since": (event.at - WINDOW).isoformat()},
        )
    transaction.on_commit(lambda: _tell_administrators(alert=alert, actor=actor, count=count, limit=limit))
    return alert


def _tell_administrators(*, alert: AuditEvent, actor, count: int, limit: int) -> int:
    from epiqr.accounts.selectors import administrators
    from epiqr.notify.services import message_send_template

    told = 0
    context = {
        "actor": actor,
        "count": count,
        "limit": limit,
        "at": alert.at,
        "base_url": settings.PUBLIC_BASE_URL,
    }
    for admin in administrators():
        channel, recipient = ("email", admin.email) if admin.email else ("sms", admin.phone)
        if recipient:
            message_send_template(
                channel=channel,
                recipient=recipient,
                template="audit_people_limit",
                context=context,
                related=alert,
            )
            told += 1
    return told
