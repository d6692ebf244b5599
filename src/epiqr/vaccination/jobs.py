"""Long vaccination work that shows its progress (core.jobs): the dose history imported from a file."""

from django.db import transaction
from django.utils.translation import gettext as _

from epiqr.core.errors import ServiceError
from epiqr.core.jobs import JobOutcome, job_kind

from . import importing, permissions, services
from .models import DoseSource, Site


@job_kind("vaccination.doses_import", capability=permissions.MANAGE)
def doses_import(*, job, progress) -> JobOutcome:
    """The old system's export, row by row: each row stored or refused with its reason (the report)."""
    upload = job.files.get(role="input")
    site = Site.objects.get(pk=job.params["site_id"])
    progress.stage(_("Reading the file"))
    rows = importing.rows_from_file(name=upload.name, data=bytes(upload.data))
    progress.start(total=len(rows), stage=_("Storing the doses"))
    counts = {"stored": 0, "already_stored": 0, "refused": 0}
    for row in rows:
        try:
            item = importing.item_of(row)
            item.site_id = site.pk
            with transaction.atomic():
                outcome, _dose = services.dose_item_record(
                    item=item, actor=job.owner, source=DoseSource.IMPORT
                )
            counts[outcome] += 1
        except ServiceError as exc:
            counts["refused"] += 1
            progress.refuse(
                line=row.line, key=str(row.values.get("id_number") or "")[:40], message=exc.message
            )
        progress.advance(1)
    return JobOutcome(
        message=_("%(s)d doses stored, %(a)d already stored, %(r)d rows refused.")
        % {"s": counts["stored"], "a": counts["already_stored"], "r": counts["refused"]},
        summary=counts,
    )
