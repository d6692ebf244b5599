from collections.abc import Callable

from django.db import models
from django.db.models import Q, QuerySet
from django.utils.translation import gettext_lazy

from epiqr.accounts.models import User
from epiqr.core.lists import Filter, FilterKind, ListSpec, Sort, day_from, day_until
from epiqr.core.permissions import Role

from .models import Channel, MessageStatus, OutboundMessage

# Who may see messages about what: each domain registers, for the model label of the objects its
# messages relate to, a function giving the ids of those objects inside a user's scope.
RELATED_SCOPES: dict[str, Callable] = {}


def outbox_scope(label: str, ids_visible_to: Callable) -> None:
    RELATED_SCOPES[label] = ids_visible_to


def outbox_list(
    *, related: models.Model | None = None, status: str | None = None
) -> QuerySet[OutboundMessage]:
    qs = OutboundMessage.objects.all()
    if related is not None:
        qs = qs.filter(related_type=related._meta.label_lower, related_id=str(related.pk))
    if status:
        qs = qs.filter(status=status)
    return qs


def outbox_list_visible_to(*, user: User, status: str | None = None) -> QuerySet[OutboundMessage]:
    """Administrators see the whole outbox; others the messages about objects in their scope and
    the messages sent to themselves."""
    qs = outbox_list(status=status)
    if user.is_superuser or user.role == Role.ADMIN:
        return qs
    q = Q(pk__in=[])
    for own in (user.email, user.phone):
        if own:
            q |= Q(recipient=own)
    for label, ids_visible_to in RELATED_SCOPES.items():
        ids = [str(i) for i in ids_visible_to(user)]
        q |= Q(related_type=label, related_id__in=ids)
    return qs.filter(q)


# The outbox page (/notify/outbox/), newest first.
OUTBOX = ListSpec(
    name="outbox",
    filters=(
        Filter("recipient", gettext_lazy("Recipient"), kind=FilterKind.TEXT, max_length=255,
               lookup="recipient__icontains", prominent=True),
        Filter("status", gettext_lazy("Status"), choices=MessageStatus.choices),
        Filter("channel", gettext_lazy("Channel"), choices=Channel.choices),
        day_from("since", gettext_lazy("From day"), "created_at"),
        day_until("until", gettext_lazy("Until day"), "created_at"),
    ),
    sorts=(Sort("created", gettext_lazy("Time"), ("created_at", "id")),),
    default_sort="-created",
    model=OutboundMessage,
)  # fmt: skip


def outbox_counts(*, qs: QuerySet[OutboundMessage]) -> dict[str, int]:
    return {s: qs.filter(status=s).count() for s in ("sent", "failed", "queued")}


def notice_keys_taken(*, keys: list[str]) -> set[str]:
    """Which of these notices were sent (or are being sent) already."""
    taken: set[str] = set()
    for start in range(0, len(keys), 900):
        part = keys[start : start + 900]
        taken.update(
            OutboundMessage.objects.filter(idempotency_key__in=part).values_list("idempotency_key", flat=True)
        )
    return taken
