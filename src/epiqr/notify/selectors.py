from django.db.models import QuerySet

from .models import OutboundMessage


def outbox_list(*, related=None, status: str | None = None) -> QuerySet[OutboundMessage]:
    qs = OutboundMessage.objects.all()
    if related is not None:
        qs = qs.filter(related_type=related._meta.label_lower, related_id=str(related.pk))
    if status:
        qs = qs.filter(status=status)
    return qs
