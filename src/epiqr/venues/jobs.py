"""Long venue work that shows its progress (core.jobs): a sheet of venues imported, posters of many venues
drawn into one PDF."""

from django.utils import translation
from django.utils.translation import gettext as _
from django.utils.translation import ngettext

from epiqr.core import export
from epiqr.core.jobs import JobFileOut, JobOutcome, job_kind

from . import permissions, posters, selectors, services
from .codes import code_display


@job_kind("venues.import", capability=permissions.IMPORT)
def venues_import(*, job, progress) -> JobOutcome:
    """The uploaded sheet, all or nothing; the venues created come back as a CSV with their codes."""
    upload = job.files.get(role="input")
    report = services.venues_import(
        actor=job.owner, file=bytes(upload.data), filename=upload.name, progress=progress
    )
    if report.file_error:
        return JobOutcome(message=report.file_error, stored=False)
    if not report.ok:
        bad = len(report.refused)
        return JobOutcome(
            message=ngettext(
                "Nothing was imported: %(n)d row of %(total)d has a problem. Fix it and upload the file again.",
                "Nothing was imported: %(n)d rows of %(total)d have problems. Fix them and upload the file again.",
                bad,
            )
            % {"n": bad, "total": report.read},
            summary=report.summary(),
            stored=False,
        )
    sheet = export.Sheet(
        title=_("Venues imported"),
        header=[_("Row"), _("Venue"), _("Code"), _("Commune")],
        rows=[
            (line, venue.name, code_display(venue.code), venue.commune.name)
            for line, venue in zip(report.created_lines, report.created, strict=True)
        ],
    )
    n = len(report.created)
    return JobOutcome(
        message=ngettext("%(n)d venue imported.", "%(n)d venues imported.", n) % {"n": n},
        summary=report.summary(),
        files=[
            JobFileOut(
                f"dia-diem-da-nhap-{job.pk}.csv", export.CONTENT_TYPES[export.CSV], export.csv_bytes(sheet)
            )
        ],
    )


@job_kind("venues.posters", capability=permissions.PRINT)
def venues_posters(*, job, progress) -> JobOutcome:
    """Posters of every active venue of a commune and sector in the owner's scope, one PDF."""
    p = job.params
    qs = selectors.venue_list_filtered(
        user=job.owner, commune_id=p.get("commune"), sector=p.get("sector") or "", active_only=True
    ).order_by("commune_id", "name_folded", "id")
    venues = list(qs)
    progress.start(total=len(venues), stage=_("Drawing posters"))
    if not venues:
        return JobOutcome(message=_("No active venue matches; nothing was drawn."), stored=False)
    size = p.get("size", "A4")
    with translation.override("vi"):  # posters are printed in Vietnamese whatever the page's language
        pdf = posters.posters_pdf(
            venues=[(v, selectors.venue_url(venue=v)) for v in venues], size=size, progress=progress
        )
    n = len(venues)
    return JobOutcome(
        message=ngettext("%(n)d poster drawn.", "%(n)d posters drawn.", n) % {"n": n},
        summary={"posters": n, "size": size},
        files=[JobFileOut(f"ap-phich-{n}-{size}.pdf", "application/pdf", pdf)],
    )
