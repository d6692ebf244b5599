from dataclasses import dataclass

from django.conf import settings
from django.contrib.auth import get_user_model
from django.db import IntegrityError, models, transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from epiqr.accounts.models import User
from epiqr.accounts.selectors import commune_officers
from epiqr.core.errors import Invalid, ServiceError
from epiqr.core.timeutil import local_today, start_of_local_day

from .adapters import DeliveryFailed, Message, adapter_for
from .models import Channel, MessageStatus, OutboundMessage
from .selectors import notice_keys_taken, related_commune


def message_send(
    *,
    channel: str,
    recipient: str,
    body: str,
    subject: str = "",
    template: str = "",
    related: models.Model | None = None,
    secret: str = "",
) -> OutboundMessage:
    """Record the message in the outbox and hand it to the channel's adapter; a failure is kept, not raised.

    A `secret` in the body (a one-time code) goes to the adapter but is masked in the outbox row.
    """
    if channel not in Channel.values:
        raise Invalid(_("Unsupported channel: %(channel)s") % {"channel": channel}, field="channel")
    if not recipient:
        raise Invalid(_("The recipient is missing."), field="recipient")
    row = OutboundMessage.objects.create(
        channel=channel,
        recipient=recipient[:255],
        subject=subject[:255],
        body=body.replace(secret, "•" * len(secret)) if secret else body,
        template=template,
        related_type=related._meta.label_lower if related is not None else "",
        related_id=str(related.pk) if related is not None else "",
        commune_id=related_commune(related),
        adapter=adapter_for(channel).name,
    )
    _deliver(row, body)
    return row


def _deliver(row: OutboundMessage, body: str = "") -> OutboundMessage:
    """Hand a stored message to its channel's adapter and keep the outcome; a failure frees its key.
    `body` is the text to send when the stored one is masked (a one-time code)."""
    try:
        adapter_for(row.channel).send(Message(row.channel, row.recipient, row.subject, body or row.body))
    except DeliveryFailed as exc:
        row.status, row.error, row.idempotency_key = MessageStatus.FAILED, str(exc)[:500], None
    else:
        row.status, row.sent_at = MessageStatus.SENT, timezone.now()
    row.save(update_fields=["status", "error", "sent_at", "idempotency_key"])
    return row


# --- notices a staff member sends to many people at once ----------------------------------------------


class DailyCapReached(ServiceError):
    """The send would take the staff member past EPIQR_NOTIFY_DAILY_CAP messages today."""

    status = 429
    code = "daily_cap"


@dataclass(frozen=True)
class Notice:
    """One templated message to one person; `key` names it for good (never sent twice)."""

    channel: str
    recipient: str
    template: str
    context: dict
    key: str
    related: object = None


@dataclass
class NoticeReport:
    sent: int = 0
    failed: int = 0
    already: int = 0  # sent before (their key was taken), so skipped


def daily_cap() -> int:
    return int(settings.EPIQR_NOTIFY_DAILY_CAP)


def sends_left_today(*, actor: User) -> int:
    """How many more messages the user may send today (Vietnam day); failed ones do not count."""
    used = (
        OutboundMessage.objects.filter(sent_by=actor, created_at__gte=start_of_local_day(local_today()))
        .exclude(status=MessageStatus.FAILED)
        .count()
    )
    return max(0, daily_cap() - used)


def notices_send(*, notices: list[Notice], actor: User) -> NoticeReport:
    """Send notices a staff member asked for: each at most once ever (by its key), all within their
    daily cap, or none (DailyCapReached).

    The keys are claimed first, in one transaction holding the sender's row, so two clicks or two
    tabs cannot both pass the cap; the unique key makes two senders of the same notice store one.
    The claimed messages are then delivered one by one; a failed delivery frees its key."""
    report = NoticeReport()
    wanted = list({n.key: n for n in notices}.values())
    report.already += len(notices) - len(wanted)
    claimed: list[OutboundMessage] = []
    with transaction.atomic():
        list(get_user_model().objects.select_for_update().filter(pk=actor.pk).values_list("pk"))
        taken = notice_keys_taken(keys=[n.key for n in wanted])
        fresh = [n for n in wanted if n.key not in taken]
        report.already += len(wanted) - len(fresh)
        left = sends_left_today(actor=actor)
        if len(fresh) > left:
            raise DailyCapReached(
                _(
                    "This would send %(n)s messages, but you can send only %(left)s more today (limit "
                    "%(cap)s a day). Send to fewer contacts (F1 only, or by channel), or ask an "
                    "administrator to raise EPIQR_NOTIFY_DAILY_CAP."
                )
                % {"n": len(fresh), "left": left, "cap": daily_cap()}
            )
        for n in fresh:
            subject, body = message_render(template=n.template, context=n.context)
            try:
                with transaction.atomic():
                    claimed.append(
                        OutboundMessage.objects.create(
                            channel=n.channel,
                            recipient=n.recipient[:255],
                            subject=subject[:255],
                            body=body,
                            template=n.template,
                            related_type=n.related._meta.label_lower if n.related is not None else "",
                            related_id=str(n.related.pk) if n.related is not None else "",
                            commune_id=related_commune(n.related),
                            adapter=adapter_for(n.channel).name,
                            idempotency_key=n.key,
                            sent_by=actor,
                        )
                    )
            except IntegrityError:  # another sender claimed the same notice a moment ago
                report.already += 1
    for row in claimed:
        _deliver(row)
        if row.status == MessageStatus.SENT:
            report.sent += 1
        else:
            report.failed += 1
    return report


def message_render(*, template: str, context: dict) -> tuple[str, str]:
    """(subject, body) of a message template: notify/messages/<template>.txt, first line the subject.
    Each domain keeps its own messages in its package (`<domain>/templates/notify/messages/`)."""
    from django.template import TemplateDoesNotExist
    from django.template.loader import render_to_string

    try:
        text = render_to_string(f"notify/messages/{template}.txt", context)
    except TemplateDoesNotExist as exc:
        raise Invalid(
            _("There is no message template '%(template)s'.") % {"template": template}, field="template"
        ) from exc
    subject, _sep, body = text.strip().partition("\n")
    return subject.strip(), body.strip()


def message_send_template(
    *,
    channel: str,
    recipient: str,
    template: str,
    context: dict,
    related: models.Model | None = None,
    secret: str = "",
) -> OutboundMessage:
    """Render a message template and send it through the outbox (`secret`: see message_send)."""
    subject, body = message_render(template=template, context=context)
    return message_send(
        channel=channel,
        recipient=recipient,
        body=body,
        subject=subject,
        template=template,
        related=related,
        secret=secret,
    )


def message_send_to_officers(
    *, commune_id: int | None, template: str, context: dict, related: models.Model | None = None
) -> int:
    """Tell every health officer of a commune (email when they have one, else SMS); returns how many."""
    sent = 0
    for officer in commune_officers(commune_id=commune_id):
        channel, recipient = ("email", officer.email) if officer.email else ("sms", officer.phone)
        if recipient:
            message_send_template(
                channel=channel, recipient=recipient, template=template, context=context, related=related
            )
            sent += 1
    return sent
