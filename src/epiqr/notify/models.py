from django.conf import settings
from django.db import models
from django.utils.translation import gettext_lazy as _


class Channel(models.TextChoices):
    SMS = "sms", "SMS"
    EMAIL = "email", "Email"
    PUSH = "push", "Push"


class MessageStatus(models.TextChoices):
    QUEUED = "queued", _("Queued")
    SENT = "sent", _("Sent")
    FAILED = "failed", _("Failed")


class OutboundMessage(models.Model):
    """One message to one recipient, kept as the outbox: what was sent, when, and what failed."""

    channel = models.CharField(max_length=8, choices=Channel.choices)
    recipient = models.CharField(max_length=255)
    subject = models.CharField(max_length=255, blank=True)
    body = models.TextField()
    template = models.CharField(max_length=64, blank=True, db_index=True)
    related_type = models.CharField(max_length=64, blank=True)
    related_id = models.CharField(max_length=64, blank=True)
    status = models.CharField(max_length=8, choices=MessageStatus.choices, default=MessageStatus.QUEUED)
    adapter = models.CharField(max_length=32, blank=True)
    error = models.CharField(max_length=500, blank=True)
    created_at = models.DateTimeField(auto_now_add=True)
    sent_at = models.DateTimeField(null=True, blank=True)
    # A notice that must reach a person once (tracing: one per person and exposure). Unique, so two
    # clicks or two officers at the same moment store one; a failed delivery gives the key back.
    idempotency_key = models.CharField(max_length=160, null=True, blank=True, unique=True)
    # The commune of what the message is about (a contact's, a run's case's), set when it is sent by the
    # domain that owns that object (notify.selectors.outbox_commune): whose outbox shows it.
    commune = models.ForeignKey(
        "geo.Commune", null=True, blank=True, on_delete=models.SET_NULL, related_name="+", db_index=False
    )
    # The staff member whose action sent it: their daily cap (EPIQR_NOTIFY_DAILY_CAP) counts these.
    sent_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )

    class Meta:
        ordering = ["-created_at"]
        indexes = [
            models.Index(fields=["related_type", "related_id"]),
            models.Index(fields=["sent_by", "created_at"]),
            models.Index(fields=["created_at", "id"], name="outbox_created"),  # notify.selectors.OUTBOX
            # The same, within an officer's area.
            models.Index(fields=["commune", "created_at", "id"], name="outbox_commune_created"),
        ]

    def __str__(self) -> str:
        return f"{self.get_channel_display()} → {self.recipient}: {self.get_status_display()}"
