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
