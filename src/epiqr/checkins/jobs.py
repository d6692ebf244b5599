"""Long check-in work that shows its progress (core.jobs): check-ins imported from another system."""

import io

from django.utils.translation import gettext as _

from epiqr.core.errors import Invalid
from epiqr.core.idempotency import sender_of
from epiqr.core.jobs import JobOutcome, job_kind
from epiqr.core.services import audit_record

from . import permissions, services


@job_kind("checkins.import", capability=permissions.IMPORT)
def checkins_import(*, job, progress) -> JobOutcome:
    """A CSV of check-ins at venues of the owner's area; bad rows (and rows at venues outside the area)
    are refused one by one and kept as the per-row report, the rest stored once."""
    data = bytes(job.files.get(role="input").data)
    try:
        text = data.decode("utf-8-sig")
    except UnicodeDecodeError as exc:
        raise Invalid(_('The CSV file is not UTF-8 text. In Excel choose "CSV UTF-8" when saving.')) from exc
    progress.start(total=max(text.count("\n") - 1, 0), stage=_("Reading and storing"))
    report = services.checkins_import(
        stream=io.StringIO(text, newline=""),
        progress=progress,
        actor=job.owner,
        sender=sender_of(job.owner),  # the officer's client ids are theirs, like their API batches
    )
    audit_record(
        actor=job.owner,
        action="checkins.import",
        row_count=report.stored,
        detail={"read": report.read, "refused": len(report.refused), "job": job.pk},
    )
    return JobOutcome(
        message=_(
            "%(read)d rows read: %(stored)d check-ins stored, %(dup)d already present, %(bad)d refused."
        )
        % {"read": report.read, "stored": report.stored, "dup": report.unchanged, "bad": len(report.refused)},
        summary=report.summary(),
    )
