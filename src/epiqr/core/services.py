from typing import Any

from .models import AuditEvent
from .timeutil import now


def audit_record(
    *,
    actor,
    action: str,
    target: Any = None,
    reason: str = "",
    row_count: int | None = None,
    detail: dict | None = None,
) -> AuditEvent:
    """Append one audit event; `target` is any model instance (or None)."""
    return AuditEvent.objects.create(
        actor=actor if getattr(actor, "is_authenticated", False) else None,
        action=action,
        target_type=target._meta.label_lower if target is not None else "",
        target_id=str(target.pk) if target is not None else "",
        reason=reason[:500],
        row_count=row_count,
        detail=detail or {},
    )


# --- jobs: long work with its progress (see core.jobs) ----------------------------------------------


def job_start(
    *,
    kind: str,
    owner,
    title: str,
    params: dict | None = None,
    files: list | None = None,
    back_url: str = "",
):
    """Record a job and hand it to the worker once the request's transaction has committed (or run it
    now when there is no worker). `files` are JobFileOut (the uploads it reads). The capability is
    checked here, before anything is stored, and again when the job runs."""
    from django.db import transaction
    from django.utils import translation

    from .jobs import job_run_task, kinds
    from .models import Job, JobFile
    from .permissions import check_capability

    check_capability(owner, kinds()[kind].capability)
    job = Job.objects.create(
        kind=kind,
        owner=owner,
        title=str(title)[:200],
        params=params or {},
        language=translation.get_language() or "vi",
        back_url=back_url[:200],
    )
    for f in files or []:
        JobFile.objects.create(
            job=job,
            role=JobFile.INPUT,
            name=f.name[:200],
            content_type=f.content_type,
            size=len(f.data),
            data=f.data,
        )
    transaction.on_commit(lambda: job_run_task.enqueue(job_id=job.pk), robust=True)
    return job


def job_run(*, job_id: int):
    """Run a queued job: claim it, check its owner may still do it, run its kind with a JobProgress, store
    its outcome. A refusal the work explains (ServiceError) or a lost capability ends it with that
    message; anything else is logged and ends it as failed."""
    import logging

    from django.core.exceptions import PermissionDenied
    from django.utils import translation
    from django.utils.translation import gettext as _

    from .errors import ServiceError
    from .jobs import JobProgress, kinds
    from .models import Job, JobFile, JobStatus
    from .permissions import check_capability

    claimed = Job.objects.filter(pk=job_id, status=JobStatus.QUEUED).update(
        status=JobStatus.RUNNING, started_at=now(), updated_at=now()
    )
    job = Job.objects.select_related("owner").get(pk=job_id)
    if not claimed:
        return job  # another worker has it, or it ran already (a retried task)
    progress = JobProgress(job)
    with translation.override(job.language):
        status, message, summary = JobStatus.FAILED, "", {}
        try:
            kind = kinds()[job.kind]
            check_capability(job.owner, kind.capability)
            outcome = kind.run(job=job, progress=progress)
        except PermissionDenied:
            message = _("Your account may no longer do this; nothing was done.")
        except ServiceError as exc:
            message = exc.message
        except Exception:  # noqa: BLE001 - a job must end, with a message, whatever went wrong
            logging.getLogger("epiqr.jobs").exception("job %s (%s) failed", job.pk, job.kind)
            message = _("This job failed unexpectedly. Try again; if it fails again, tell the administrator.")
        else:
            status = JobStatus.DONE if outcome.stored else JobStatus.REFUSED
            message, summary = outcome.message, outcome.summary
            for f in outcome.files:
                JobFile.objects.create(
                    job=job, role=JobFile.RESULT, name=f.name[:200], content_type=f.content_type,
                    size=len(f.data), data=f.data,
                )  # fmt: skip
        progress.finish()
    Job.objects.filter(pk=job.pk).update(
        status=status, message=str(message)[:1000], summary=summary, finished_at=now(), updated_at=now()
    )
    job.refresh_from_db()
    return job


def jobs_purge(*, days: int | None = None) -> int:
    """Delete jobs finished more than `days` (EPIQR_JOB_KEEP_DAYS) days ago, with their files and
    reports: exports hold personal data and are not kept longer than needed."""
    from datetime import timedelta

    from django.conf import settings

    from .models import Job

    keep = days if days is not None else settings.EPIQR_JOB_KEEP_DAYS
    deleted, _by_model = Job.objects.filter(finished_at__lt=now() - timedelta(days=keep)).delete()
    return deleted
