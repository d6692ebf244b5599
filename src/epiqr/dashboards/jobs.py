"""Long dashboards work with a progress bar and a per-row report (core.jobs)."""

from django.utils.translation import gettext as _

from epiqr.core.jobs import JobOutcome, job_kind

from . import permissions
from .deployment import targets_import


@job_kind("dashboards.targets_import", capability=permissions.TARGETS)
def targets_import_job(*, job, progress) -> JobOutcome:
    """Units that must deploy: usable rows stored and matched, the others listed with their reason."""
    upload = job.files.get(role="input")
    report = targets_import(actor=job.owner, blob=bytes(upload.data), filename=upload.name, progress=progress)
    if report.file_error:
        return JobOutcome(message=report.file_error, stored=False)
    return JobOutcome(
        message=_(
            "%(stored)s units stored (%(matched)s matched to a venue, %(review)s to review), %(refused)s rows refused."
        )
        % {
            "stored": report.stored,
            "matched": report.matched,
            "review": report.review,
            "refused": len(report.refused),
        },
        summary=report.summary(),
    )
