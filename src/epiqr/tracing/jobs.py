"""Long tracing work that shows its progress (core.jobs): a run's contact list exported."""

from contextlib import nullcontext

from django.utils.translation import gettext as _
from django.utils.translation import ngettext

from epiqr.core import audit, export
from epiqr.core.jobs import JobFileOut, JobOutcome, job_kind
from epiqr.core.replica import replica_ok

from . import permissions, selectors, services


@job_kind("tracing.export", capability=permissions.EXPORT)
def run_export(*, job, progress) -> JobOutcome:
    """The contacts of a run the owner may see, as CSV or XLSX through the shared writer; the run and
    the contacts are read with the owner's scope when the job runs, and the export is audited then."""
    p = job.params
    progress.stage(_("Reading the contacts"))
    run = selectors.run_get_visible_to(user=job.owner, run_id=p["run"])
    # A heavy read of a run stored before the job was asked for: the replica is fine, whatever the job
    # itself has written (its progress), once it holds the whole run (a large F2 is filed after it is
    # stored: services.run_contacts_whole).
    reading = replica_ok(own_writes=False) if services.run_contacts_whole(run=run) else nullcontext()
    # One audit event with every contact written to the file (core.audit), the purpose as its reason; the
    # contacts are read a chunk at a time as the file is written (services.export_rows), so the file is
    # written inside the audited read.
    with audit.reading(actor=job.owner, action="tracing.export", target=run), reading:
        total = selectors.contact_list_visible_to(user=job.owner, run=run).count()
        progress.start(total=total, stage=_("Writing the file"))
        sheet, name = services.run_export(
            run=run, actor=job.owner, fmt=p["format"], purpose=p["purpose"], each_contact=progress.advance
        )
        data = export.csv_bytes(sheet) if p["format"] == export.CSV else export.xlsx_bytes([sheet])
    rows = export.rows_written(sheet)
    return JobOutcome(
        message=ngettext(
            "%(n)d row exported. The file holds personal data: keep it only as long as the work needs.",
            "%(n)d rows exported. The file holds personal data: keep it only as long as the work needs.",
            rows,
        )
        % {"n": rows},
        summary={"rows": rows, "format": p["format"]},
        files=[JobFileOut(name, export.CONTENT_TYPES[p["format"]], data)],
    )
