"""Idempotency keys belong to their sender.

Writes that may be retried (an offline scanner's batch, a lab system's results, a sampling device's
tubes, an imported file) carry an id chosen by whoever sends them. A retry is recognised by the pair
(sender, id), never by the id alone: another sender's `run-1` is another write, and the same sender's
id with different content is refused as a conflict, never answered with the first write's result.
"""

import hashlib
import json
import uuid

from django.utils.translation import gettext as _

from .errors import Conflict

# Namespace of the keys stored in a unique column that every sender shares (check-in client ids).
SCOPED_KEY_NAMESPACE = "6d3c2a9e-epiqr-client-key"


def sender_of(user) -> str:
    """Who sent a write: the staff account (all its tokens and devices), or "system" without one."""
    if getattr(user, "is_authenticated", False) and getattr(user, "pk", None) is not None:
        return f"user:{user.pk}"
    return "system"


def content_digest(content) -> str:
    """A stable digest of what a write carries (JSON-like values; dates, decimals and UUIDs as text)."""
    text = json.dumps(content, sort_keys=True, separators=(",", ":"), default=str, ensure_ascii=False)
    return hashlib.sha256(text.encode("utf-8", "surrogatepass")).hexdigest()


def scoped_uuid(*, sender: str, client_id: uuid.UUID) -> uuid.UUID:
    """A device's id for one write, made its sender's own: the key stored where all senders' keys meet.
    The same device id from two senders gives two keys; from one sender always the same key."""
    digest = hashlib.sha256(f"{SCOPED_KEY_NAMESPACE}|{sender}|".encode() + client_id.bytes).digest()
    return uuid.UUID(bytes=digest[:16])


class IdReused(Conflict):
    """The sender used this id before for a write with other content."""

    code = "client_id_reused"


def id_reused(what: str = "batch") -> IdReused:
    if what == "scan":
        return IdReused(_("This client_id was already used for another scan: give each scan its own id."))
    return IdReused(
        _(
            "This client_id was already used for a different batch: give each new batch its own client_id "
            "(a retry sends the same batch with the same id)."
        ),
        field="client_id",
    )
