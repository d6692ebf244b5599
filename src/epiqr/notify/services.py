from django.utils import timezone

from epiqr.core.errors import Invalid

from .adapters import DeliveryFailed, Message, adapter_for
from .models import Channel, MessageStatus, OutboundMessage


def message_send(
    *,
    channel: str,
    recipient: str,
    body: str,
    subject: str = "",
    template: str = "",
    related=None,
) -> OutboundMessage:
    """Record the message in the outbox and hand it to the channel's adapter; a failure is kept, not raised."""
    if channel not in Channel.values:
        raise Invalid(f"Kênh không hỗ trợ: {channel}", field="channel")
    if not recipient:
        raise Invalid("Thiếu người nhận.", field="recipient")
    adapter = adapter_for(channel)
    row = OutboundMessage.objects.create(
        channel=channel,
        recipient=recipient[:255],
        subject=subject[:255],
        body=body,
        template=template,
        related_type=related._meta.label_lower if related is not None else "",
        related_id=str(related.pk) if related is not None else "",
        adapter=adapter.name,
    )
    try:
        adapter.send(Message(channel, row.recipient, row.subject, row.body))
    except DeliveryFailed as exc:
        row.status, row.error = MessageStatus.FAILED, str(exc)[:500]
    else:
        row.status, row.sent_at = MessageStatus.SENT, timezone.now()
    row.save(update_fields=["status", "error", "sent_at"])
    return row


def message_render(*, template: str, context: dict) -> tuple[str, str]:
    """(subject, body) of a message template: notify/messages/<template>.txt, first line the subject."""
    from django.template import TemplateDoesNotExist
    from django.template.loader import render_to_string

    try:
        text = render_to_string(f"notify/messages/{template}.txt", context)
    except TemplateDoesNotExist as exc:
        raise Invalid(f"Không có mẫu tin nhắn '{template}'.", field="template") from exc
    subject, _sep, body = text.strip().partition("\n")
    return subject.strip(), body.strip()


def message_send_template(
    *, channel: str, recipient: str, template: str, context: dict, related=None
) -> OutboundMessage:
    """Render a message template and send it through the outbox."""
    subject, body = message_render(template=template, context=context)
    return message_send(
        channel=channel, recipient=recipient, body=body, subject=subject, template=template, related=related
    )


def message_send_to_officers(*, commune_id: int | None, template: str, context: dict, related=None) -> int:
    """Tell every health officer of a commune (email when they have one, else SMS); returns how many."""
    from epiqr.accounts.selectors import commune_officers

    sent = 0
    for officer in commune_officers(commune_id=commune_id):
        channel, recipient = ("email", officer.email) if officer.email else ("sms", officer.phone)
        if recipient:
            message_send_template(
                channel=channel, recipient=recipient, template=template, context=context, related=related
            )
            sent += 1
    return sent
