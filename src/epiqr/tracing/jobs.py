"""Long tracing work that shows its progress (core.jobs): a run's contact list exported."""

from contextlib import nullcontext

from django.utils.translation import gettext as _
from django.utils.translation import ngettext

from epiqr.core import audit, export
from epiqr.core.jobs import JobFileOut, JobOutcome, job_kind
from epiqr.core.replica import replica_ok

from . import permissions, selectors, services


def _counted(rows, progress):
    for row in rows:
        progress.advance()
        yield row


@job_kind("tracing.export", capability=permissions.EXPORT)
def run_export(*, job, progress) -> JobOutcome:
    """The contacts of a run the owner may see, as CSV or XLSX through the shared writer; the run and
    the contacts are read with the owner's scope when the job runs, and the export is audited then."""
    p = job.params
    progress.stage(_("Reading the contacts"))
    run = selectors.run_get_visible_to(user=job.owner, run_id=p["run"])
    # One audit event with every contact written to the file (core.audit), the purpose as its reason.
    # A heavy read of a run stored before the job was asked for: the replica is fine, whatever the job
    # itself has written (its progress), once it holds the whole run (a large F2 is filed after it is
    # stored: services.run_contacts_whole).
    reading = replica_ok(own_writes=False) if services.run_contacts_whole(run=run) else nullcontext()
    with audit.reading(actor=job.owner, action="tracing.export", target=run), reading:
        sheet, name = services.run_export(run=run, actor=job.owner, fmt=p["format"], purpose=p["purpose"])
        rows = list(sheet.rows)
    progress.start(total=len(rows), stage=_("Writing the file"))
    sheet.rows = _counted(rows, progress)
    if p["format"] == export.CSV:
        data = export.csv_bytes(sheet)
    else:
        data = export.xlsx_bytes([sheet])
    return JobOutcome(
        message=ngettext(
            "%(n)d row exported. The file holds personal data: keep it only as long as the work needs.",
            "%(n)d rows exported. The file holds personal data: keep it only as long as the work needs.",
            len(rows),
        )
        % {"n": len(rows)},
        summary={"rows": len(rows), "format": p["format"]},
        files=[JobFileOut(name, export.CONTENT_TYPES[p["format"]], data)],
    )
