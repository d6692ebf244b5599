"""Long testing work that shows its progress (core.jobs): a lab's result file imported."""

from django.utils.translation import gettext as _
from django.utils.translation import ngettext

from epiqr.core.jobs import JobOutcome, job_kind

from . import importing, permissions, services
from .models import OutcomeValue


@job_kind("testing.results_import", capability=permissions.RESULT)
def results_import(*, job, progress) -> JobOutcome:
    """A lab's CSV or Excel file, all or nothing; the refused rows are the job's per-row report."""
    upload = job.files.get(role="input")
    progress.stage(_("Reading the file"))
    rows = importing.rows_from_file(name=upload.name, data=bytes(upload.data))
    report = services.results_import(rows=rows, actor=job.owner, progress=progress)
    if not report.ok:
        bad = len(report.refused)
        return JobOutcome(
            message=ngettext(
                "Nothing was stored: %(n)d of %(rows)d rows needs fixing. Fix it and import the whole file again.",
                "Nothing was stored: %(n)d of %(rows)d rows need fixing. Fix them and import the whole file again.",
                bad,
            )
            % {"n": bad, "rows": report.read},
            summary=report.summary(),
            stored=False,
        )
    outcomes = "; ".join(f"{OutcomeValue(k).label}: {n}" for k, n in sorted(report.counts.items()) if n)
    message = _("%(n)d results stored; %(u)d rows repeated a result already stored.") % {
        "n": report.stored,
        "u": report.unchanged,
    }
    if outcomes:
        message += " " + _("People told: %(outcomes)s.") % {"outcomes": outcomes}
    return JobOutcome(
        message=message,
        summary={**report.summary(), "outcomes": report.counts},
    )
