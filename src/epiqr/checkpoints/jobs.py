"""Long checkpoint work that shows its progress (core.jobs): an organisation's staff list imported."""

from django.utils.translation import gettext as _
from django.utils.translation import ngettext

from epiqr.core import export
from epiqr.core.jobs import JobFileOut, JobOutcome, job_kind
from epiqr.core.sheets import SheetError

from . import importing, permissions, services


@job_kind("checkpoints.permits_import", capability=permissions.PERMIT_APPLY)
def permits_import(*, job, progress) -> JobOutcome:
    """The uploaded staff list: the good rows become applications, the others are reported per row."""
    upload = job.files.get(role="input")
    try:
        rows = importing.read_sheet(bytes(upload.data), filename=upload.name)
    except SheetError as exc:
        progress.refuse(message=exc.message)
        return JobOutcome(message=exc.message, stored=False)
    report = services.permits_import(actor=job.owner, rows=rows, progress=progress)
    if report.file_error:
        return JobOutcome(message=report.file_error, stored=False)
    stored, refused = report.stored, len(report.refused)
    lines: list[tuple[int | None, str, str, int | str, str]] = [
        (line, name, _("applied"), permit_id, "") for line, name, permit_id in report.applied
    ]
    lines += [(r.line, r.key, _("refused"), "", r.reason) for r in report.refused]
    sheet = export.Sheet(
        title=_("Applications"),
        header=[_("Row"), _("Full name"), _("Result"), _("Permit number"), _("Problems")],
        rows=sorted(lines, key=lambda row: row[0] or 0),
    )
    message = ngettext("%(n)d application stored", "%(n)d applications stored", stored) % {"n": stored}
    if refused:
        message += "; " + ngettext(
            "%(n)d row refused: fix it and upload that row again.",
            "%(n)d rows refused: fix them and upload those rows again.",
            refused,
        ) % {"n": refused}
    else:
        message += "."
    return JobOutcome(
        message=message,
        summary=report.summary(),
        files=[
            JobFileOut(
                f"ket-qua-nhap-{job.pk}.csv", export.CONTENT_TYPES[export.CSV], export.csv_bytes(sheet)
            )
        ],
        stored=stored > 0,
    )
