"""The alert: one account reading more different people in an hour than EPIQR_AUDIT_PEOPLE_PER_HOUR.

Checked after every audited read that read somebody (core.audit.LISTENERS). The exact count is one
indexed query over the account's last hour of AuditPerson rows; a counter in the cache (the people read
per account and clock hour, an upper bound of the distinct count) skips that query for every account far
below the limit. The administrators are told once per account per hour: through the outbox, and as an
alert event the log viewer highlights.
"""

from datetime import timedelta

from django.conf import settings
from django.core.cache import cache
from django.db import transaction

from epiqr.core.models import AuditEvent, AuditPerson

from .selectors import ALERT

WINDOW = timedelta(hours=1)


def people_per_hour_limit() -> int:
    return settings.EPIQR_AUDIT_PEOPLE_PER_HOUR


def _bound_key(actor_id: int, at) -> str:
    return f"audit:people:{actor_id}:{at:%Y%m%d%H}"


def _upper_bound(*, actor_id: int, at, people: int) -> int:
    """People read by the account in this clock hour and the one before, counted with repeats: never
    fewer than the distinct people read in the last 60 minutes."""
    key = _bound_key(actor_id, at)
    cache.add(key, 0, timeout=3 * 3600)
    try:
        now_count = cache.incr(key, people)
    except ValueError:  # evicted between add and incr
        cache.set(key, people, timeout=3 * 3600)
        now_count = people
    return now_count + (cache.get(_bound_key(actor_id, at - WINDOW)) or 0)


def people_read_in_window(*, actor_id: int, until) -> int:
    """Different people the account read in the hour before `until`."""
    return (
        AuditPerson.objects.filter(actor_id=actor_id, at__gt=until - WINDOW, at__lte=until)
        .values("person_id")
        .distinct()
        .count()
    )


def alert_check(*, event: AuditEvent, people: int) -> AuditEvent | None:
    """After an audited read: alert the administrators when the reader crossed the hourly limit (once per
    account per hour). Returns the alert event, or None."""
    if not people or event.actor_id is None:
        return None
    limit = people_per_hour_limit()
    if _upper_bound(actor_id=event.actor_id, at=event.at, people=people) <= limit:
        return None
    count = people_read_in_window(actor_id=event.actor_id, until=event.at)
    if count <= limit:
        return None
    return _alert(event=event, count=count, limit=limit)


def _alert(*, event: AuditEvent, count: int, limit: int) -> AuditEvent | None:
    from epiqr.accounts.models import User

    with transaction.atomic():
        # One alert per account per hour, even when two of its requests cross the limit together.
        actor = User.objects.select_for_update().get(pk=event.actor_id)
        if AuditEvent.objects.filter(action=ALERT, actor_id=actor.pk, at__gt=event.at - WINDOW).exists():
            return None
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
