"""Long checkpoint work that shows its progress (core.jobs): an organisation's staff list imported."""

from django.utils.translation import gettext as _
from django.utils.translation import ngettext

from epiqr.core import export
from epiqr.core.jobs import JobFileOut, JobOutcome, job_kind

from . import importing, permissions, services


@job_kind("checkpoints.permits_import", capability=permissions.PERMIT_APPLY)
def permits_import(*, job, progress) -> JobOutcome:
    """The uploaded staff list: the good rows become applications, the others are reported per row."""
    upload = job.files.get(role="input")
    try:
        rows = importing.read_sheet(bytes(upload.data), filename=upload.name)
    except importing.SheetError as exc:
        progress.refuse(message=str(exc))
        return JobOutcome(message=str(exc), stored=False)
    report = services.permits_import(actor=job.owner, rows=rows, progress=progress)
    if report.file_errors:
        for message in report.file_errors:
            progress.refuse(message=message)
        return JobOutcome(message=" ".join(report.file_errors), stored=False)
    stored, refused = len(report.stored), len(report.refused)
    sheet = export.Sheet(
        title=_("Applications"),
        header=[_("Row"), _("Full name"), _("Result"), _("Permit number"), _("Problems")],
        rows=[
            (
                r.row,
                r.name,
                _("applied") if r.permit_id else _("refused"),
                r.permit_id or "",
                " ".join(r.errors),
            )
            for r in report.rows
        ],
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
        summary={"stored": stored, "refused": refused},
        files=[
            JobFileOut(
                f"ket-qua-nhap-{job.pk}.csv", export.CONTENT_TYPES[export.CSV], export.csv_bytes(sheet)
            )
        ],
        stored=stored > 0,
    )
