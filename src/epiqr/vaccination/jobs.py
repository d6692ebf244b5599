"""Long vaccination work that shows its progress (core.jobs): the dose history and invitation lists
imported from a file."""

from datetime import datetime, timedelta

from django.db import transaction
from django.utils.translation import gettext as _

from epiqr.core.errors import ServiceError
from epiqr.core.imports import ImportReport
from epiqr.core.jobs import JobOutcome, job_kind

from . import importing, permissions, services
from .models import DoseSource, Invitation, Session, Site


@job_kind("vaccination.doses_import", capability=permissions.MANAGE)
def doses_import(*, job, progress) -> JobOutcome:
    """The old system's export, row by row: each row stored or refused with its reason (the report)."""
    upload = job.files.get(role="input")
    site = Site.objects.get(pk=job.params["site_id"])
    progress.stage(_("Reading the file"))
    rows = importing.rows_from_file(name=upload.name, data=bytes(upload.data))
    progress.start(total=len(rows), stage=_("Storing the doses"))
    report = ImportReport(read=len(rows), progress=progress)
    for row in rows:
        try:
            item = importing.item_of(row)
            item.site_id = site.pk
            with transaction.atomic():
                outcome, _dose = services.dose_item_record(
                    item=item, actor=job.owner, source=DoseSource.IMPORT
                )
            report.stored += outcome == "stored"
            report.unchanged += outcome == "already_stored"
        except ServiceError as exc:
            report.refuse(
                line=row.line, reason=exc.message, key=str(row.values.get("id_number") or ""), code=exc.code
            )
        progress.advance(1)
    return JobOutcome(
        message=_("%(s)d doses stored, %(a)d already stored, %(r)d rows refused.")
        % {"s": report.stored, "a": report.unchanged, "r": len(report.refused)},
        summary=report.summary(),
    )


@job_kind("vaccination.invitations_import", capability=permissions.MANAGE)
def invitations_import(*, job, progress) -> JobOutcome:
    """An invitation list (Excel or CSV: ID number, name, date of birth, sex, phone, priority group) for
    a session: each row invited at the next slot or refused with its reason (the report)."""
    upload = job.files.get(role="input")
    session = Session.objects.select_related("site").get(pk=job.params["session_id"])
    first_slot = datetime.fromisoformat(job.params["first_slot"])
    minutes, per_slot = int(job.params["minutes_per_slot"]), int(job.params["per_slot"])
    progress.stage(_("Reading the file"))
    rows = importing.rows_from_file(
        name=upload.name,
        data=bytes(upload.data),
        headers=importing.INVITEE_HEADERS,
        required=importing.INVITEE_REQUIRED,
    )
    progress.start(total=len(rows), stage=_("Inviting"))
    report = ImportReport(read=len(rows), progress=progress)
    taken = Invitation.objects.filter(session=session).count()
    for row in rows:
        try:
            invitee = importing.invitee_of(row)
            slot_at = first_slot + timedelta(minutes=minutes * (taken // per_slot))
            with transaction.atomic():
                outcome = services.invitation_add(
                    session=session, invitee=invitee, slot_at=slot_at, actor=job.owner
                )
            report.stored += outcome == "invited"
            report.unchanged += outcome == "already_invited"
            taken += outcome == "invited"
        except ServiceError as exc:
            report.refuse(
                line=row.line, reason=exc.message, key=str(row.values.get("id_number") or ""), code=exc.code
            )
        progress.advance(1)
    return JobOutcome(
        message=_("%(s)d people invited, %(a)d already invited, %(r)d rows refused.")
        % {"s": report.stored, "a": report.unchanged, "r": len(report.refused)},
        summary=report.summary(),
    )
