from typing import Any

from django.utils.translation import gettext as _
from django_tasks import task

from .errors import Conflict, Invalid, NotFound, ServiceError
from .jobs import JobProgress, kinds
from .models import AuditEvent, AuditPerson, Job, JobFile, JobStatus, Revocation, SigningKey
from .permissions import check_capability
from .pgsql import int_array_literal
from .replica import unit_of_work_start
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


def audit_people_record(
    *,
    actor,
    action: str,
    target_type: str = "",
    target_id: str = "",
    reason: str = "",
    people=(),
    row_count: int | None = None,
    detail: dict | None = None,
    at=None,
    keep: int = 2000,
) -> AuditEvent:
    """One audited read (core.audit): the event and the people it read, in ONE insert statement on
    PostgreSQL (a data-modifying CTE), so that an audited page costs one round trip to write; two on
    SQLite (the event, then its people from a JSON array). At most `keep` person ids are stored
    (core.audit.PEOPLE_PER_EVENT); the count is always exact."""
    import json

    from django.db import connection

    actor_id = actor.pk if getattr(actor, "is_authenticated", False) else None
    at = at or now()
    ids = sorted(people)
    kept = ids[:keep]
    event = AuditEvent(
        at=at,
        actor_id=actor_id,
        action=action[:64],
        target_type=target_type[:64],
        target_id=target_id[:64],
        reason=reason[:500],
        row_count=row_count,
        people_count=len(ids),
        detail={**(detail or {}), **({"people_truncated": True} if len(kept) < len(ids) else {})},
    )
    if kept and connection.vendor == "postgresql":
        events, people = AuditEvent._meta.db_table, AuditPerson._meta.db_table
        with connection.cursor() as cursor:
            cursor.execute(
                f"WITH e AS (INSERT INTO {events} (at, actor_id, action, target_type, target_id, reason,"
                " row_count, detail, people_count) VALUES (%s, %s, %s, %s, %s, %s, %s, %s::jsonb, %s)"
                f" RETURNING id) INSERT INTO {people} (event_id, person_id, actor_id, at)"
                " SELECT e.id, p, %s, %s FROM e, unnest(%s::bigint[]) AS p RETURNING event_id",
                [
                    event.at,
                    event.actor_id,
                    event.action,
                    event.target_type,
                    event.target_id,
                    event.reason,
                    event.row_count,
                    json.dumps(event.detail),
                    event.people_count,
                    actor_id,
                    at,
                    int_array_literal(kept),
                ],
            )
            event.pk = cursor.fetchone()[0]
        event._state.adding = False
        return event
    event.save(force_insert=True)
    if kept and connection.vendor == "sqlite":
        # One statement over a JSON array: bulk_create spends ~0.1 ms of Python per row.
        with connection.cursor() as cursor:
            cursor.execute(
                f"INSERT INTO {AuditPerson._meta.db_table} (event_id, person_id, actor_id, at)"
                " SELECT %s, value, %s, %s FROM json_each(%s)",
                [event.pk, actor_id, connection.ops.adapt_datetimefield_value(at), json.dumps(kept)],
            )
    elif kept:
        AuditPerson.objects.bulk_create(
            [AuditPerson(event=event, person_id=p, actor_id=actor_id, at=at) for p in kept]
        )
    return event


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

    unit_of_work_start()  # a job is a unit of work of its own for the replica's read-your-writes rule
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


@task()
def job_run_task(*, job_id: int) -> str:
    """The worker's side of a job (job_run)."""
    return job_run(job_id=job_id).status


def jobs_purge(*, days: int | None = None) -> int:
    """Delete jobs finished more than `days` (EPIQR_JOB_KEEP_DAYS) days ago, with their files and
    reports: exports hold personal data and are not kept longer than needed."""
    from datetime import timedelta

    from django.conf import settings

    keep = days if days is not None else settings.EPIQR_JOB_KEEP_DAYS
    deleted, _by_model = Job.objects.filter(finished_at__lt=now() - timedelta(days=keep)).delete()
    return deleted


def audit_purge(*, days: int | None = None) -> int:
    """Delete audit events older than `days` (EPIQR_AUDIT_KEEP_DAYS) with the people they read (those rows
    first, in plain DELETE statements); returns the number of events deleted."""
    from datetime import timedelta

    from django.conf import settings

    keep = days if days is not None else settings.EPIQR_AUDIT_KEEP_DAYS
    cut = now() - timedelta(days=keep)
    AuditPerson.objects.filter(at__lt=cut).delete()
    AuditPerson.objects.filter(event__at__lt=cut).delete()  # an event's people carry its time; to be sure
    deleted, _by_model = AuditEvent.objects.filter(at__lt=cut).delete()
    return deleted


# --- signing keys and revocations (see core.keyring) -------------------------------------------------


def signing_key_rotate(*, purpose: str, actor=None, reason: str = ""):
    """Make a new active key for a purpose; the previous active key is retired (it keeps verifying what
    it signed for the purpose's longest validity). Audited."""
    from datetime import timedelta

    from django.conf import settings
    from django.db import transaction

    from . import keyring

    p = keyring.get_purpose(purpose)
    at = now()
    key, der, kid = keyring.new_key_material(
        purpose_name=p.name, issuer=settings.EPIQR_KEYRING_ISSUER, country=p.country, at=at
    )
    with transaction.atomic():
        old = list(
            SigningKey.objects.select_for_update().filter(purpose=p.name, status=SigningKey.Status.ACTIVE)
        )
        for row in old:
            row.status = SigningKey.Status.RETIRED
            row.retired_at = at
            row.verify_until = at + timedelta(days=p.max_validity_days)
            row.save(update_fields=["status", "retired_at", "verify_until"])
        new = SigningKey.objects.create(
            purpose=p.name,
            kid=keyring.b64(kid),
            status=SigningKey.Status.ACTIVE,
            certificate=der,
            private_key=keyring.encrypt_private_key(key, settings.EPIQR_KEYRING_SECRET),
            created_at=at,
            note=reason[:500],
        )
        audit_record(
            actor=actor,
            action="keyring.rotate",
            target=new,
            reason=reason,
            detail={"purpose": p.name, "retired": [r.kid for r in old]},
        )
    return new


def signing_key_retire(*, kid: str, actor=None, reason: str = ""):
    """Stop a key signing (no new active key: signing for the purpose stops until a rotation)."""
    from datetime import timedelta

    from . import keyring

    row = SigningKey.objects.filter(kid=kid).first()
    if row is None:
        raise NotFound(_("No signing key %(kid)s.") % {"kid": kid}, code="key_not_found")
    if row.status != SigningKey.Status.ACTIVE:
        raise Conflict(_("Signing key %(kid)s is not the active one.") % {"kid": kid}, code="key_not_active")
    p = keyring.get_purpose(row.purpose)
    row.status = SigningKey.Status.RETIRED
    row.retired_at = now()
    row.verify_until = row.retired_at + timedelta(days=p.max_validity_days)
    row.save(update_fields=["status", "retired_at", "verify_until"])
    audit_record(actor=actor, action="keyring.retire", target=row, reason=reason)
    return row


def signing_key_withdraw(*, kid: str, actor=None, reason: str):
    """A compromised key: out of the trust list at once, its private half erased; every code it signed
    stops verifying (people must be issued new ones). Audited."""
    if not reason.strip():
        raise Invalid(_("Give the reason for withdrawing the key."), field="reason")
    row = SigningKey.objects.filter(kid=kid).first()
    if row is None:
        raise NotFound(_("No signing key %(kid)s.") % {"kid": kid}, code="key_not_found")
    row.status = SigningKey.Status.WITHDRAWN
    row.withdrawn_at = now()
    row.private_key = ""
    row.note = reason[:500]
    row.save(update_fields=["status", "withdrawn_at", "private_key", "note"])
    audit_record(actor=actor, action="keyring.withdraw", target=row, reason=reason)
    return row


def revocation_add(*, purpose: str, identifier: str, reason: str, actor=None):
    """Revoke one signed code by its identifier (a certificate's UVCI, a permit number); idempotent."""
    from . import keyring

    keyring.get_purpose(purpose)
    if not identifier.strip():
        raise Invalid(_("Give the identifier of the code to revoke."), field="identifier")
    if not reason.strip():
        raise Invalid(_("Give the reason for the revocation."), field="reason")
    row, created = Revocation.objects.get_or_create(
        purpose=purpose,
        digest=keyring.identifier_digest(identifier),
        defaults={
            "reason": reason[:500],
            "revoked_at": now(),
            "revoked_by": actor if getattr(actor, "pk", None) else None,
        },
    )
    if created:
        audit_record(
            actor=actor, action="keyring.revoke", target=row, reason=reason, detail={"purpose": purpose}
        )
    return row
