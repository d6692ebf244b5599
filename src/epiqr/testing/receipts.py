"""Receipts of retried batches (pairing, results): the sender's client id answers a retry with the first
answer and refuses the same id with other content (core.idempotency)."""

from django.db import IntegrityError, transaction
from django.utils.translation import gettext as _

from epiqr.accounts.models import User
from epiqr.core.errors import Conflict
from epiqr.core.idempotency import id_reused

from .models import BatchReceipt
from .sampling import staff_of


def receipt_replay(*, kind: str, sender: str, client_id: str, digest: str) -> dict | None:
    """The report of the sender's batch with this id, or None; IdReused when that batch was another."""
    row = (
        BatchReceipt.objects.filter(kind=kind, sender=sender, client_id=client_id)
        .only("report", "digest")
        .first()
    )
    if row is None:
        return None
    if row.digest and row.digest != digest:
        raise id_reused()
    return row.report


def receipt_claim(*, kind: str, sender: str, client_id: str, digest: str, actor: User | None) -> tuple:
    """Claim the batch's receipt first thing in the caller's transaction: (receipt, None) to go on and
    store, or (None, report) to answer a replay. Of two identical batches sent at the same moment, the
    second waits on the receipt's unique key until the first commits, then replays its report."""
    try:
        with transaction.atomic():
            receipt = BatchReceipt.objects.create(
                kind=kind, sender=sender, client_id=client_id, digest=digest, actor=staff_of(actor), report={}
            )
        return receipt, None
    except IntegrityError:
        pass
    report = receipt_replay(kind=kind, sender=sender, client_id=client_id, digest=digest)
    if report is None:  # the other batch's transaction was rolled back after ours tried: send again
        raise Conflict(_("The same batch is being stored by another request; send it again."), code="busy")
    return None, report
