from collections.abc import Callable
from typing import Any

from django.db import models
from django.db.models import Q, QuerySet
from django.utils.translation import gettext_lazy

from epiqr.accounts.models import User
from epiqr.accounts.selectors import jurisdiction_q
from epiqr.core.lists import Filter, FilterKind, ListSpec, Sort, day_from, day_until

from .models import Channel, MessageStatus, OutboundMessage

# Who may see messages about what: each domain registers, for the model label of the objects its
# messages relate to, a function giving the commune of such an object (or None). A message is stored with
# that commune when it is sent, and officers see the messages of their area by it.
RELATED_COMMUNES: dict[str, Callable[[Any], int | None]] = {}


def outbox_commune(label: str, commune_of: Callable[[Any], int | None]) -> None:
    RELATED_COMMUNES[label] = commune_of


def related_commune(related: Any) -> int | None:
    """The commune a message about `related` belongs to, by its domain's rule; None for anything else."""
    if related is None:
        return None
    commune_of = RELATED_COMMUNES.get(related._meta.label_lower)
    return None if commune_of is None else commune_of(related)


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
    """Administrators see the whole outbox; others the messages about objects in their area (by the
    commune stored on the message: an area can hold more contacts than a query can name) and the
    messages sent to themselves."""
    qs = outbox_list(status=status)
    area = jurisdiction_q(user=user, commune_path="commune")
    if area is None:
        return qs
    q = area
    for own in (user.email, user.phone):
        if own:
            q |= Q(recipient=own)
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
