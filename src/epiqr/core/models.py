from django.conf import settings
from django.db import models
from django.utils import timezone
from django.utils.translation import gettext_lazy as _


class AuditEvent(models.Model):
    """Who read or changed personal data, when, and why. Append-only."""

    at = models.DateTimeField(default=timezone.now, db_index=True)
    actor = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL)
    action = models.CharField(max_length=64, db_index=True)
    target_type = models.CharField(max_length=64, blank=True)
    target_id = models.CharField(max_length=64, blank=True)
    reason = models.CharField(max_length=500, blank=True)
    row_count = models.PositiveIntegerField(null=True, blank=True)
    detail = models.JSONField(default=dict, blank=True)
    # Distinct people the request read (core.audit); their ids, up to core.audit.PEOPLE_PER_EVENT, are
    # AuditPerson rows.
    people_count = models.PositiveIntegerField(null=True, blank=True, verbose_name=_("people read"))

    class Meta:
        ordering = ["-at"]
        verbose_name = _("audit event")
        verbose_name_plural = _("audit events")
        indexes = [
            models.Index(fields=["target_type", "target_id"]),
            # The log viewer's sorts (epiqr.audit.selectors.EVENTS) and the alert's per-account hour.
            models.Index(fields=["at", "id"], name="audit_at"),
            models.Index(fields=["actor", "at", "id"], name="audit_actor_at"),
            models.Index(fields=["action", "at", "id"], name="audit_action_at"),
        ]

    def __str__(self) -> str:
        return f"{self.at:%Y-%m-%d %H:%M} {self.actor_id} {self.action} {self.target_type}:{self.target_id}"


class AuditPerson(models.Model):
    """One person an audited request read: "who read this person, when?" and "how many different people
    did this account read in the last hour?". Actor and time are copied from the event so that both
    questions are answered from one index, without a join."""

    event = models.ForeignKey(AuditEvent, on_delete=models.CASCADE, related_name="people")
    # A plain id, not a foreign key: the log outlives the person's record, and core sits below people.
    person_id = models.BigIntegerField(verbose_name=_("person"))
    actor_id = models.BigIntegerField(null=True, blank=True, verbose_name=_("actor"))
    at = models.DateTimeField(verbose_name=_("at"))

    class Meta:
        verbose_name = _("person read")
        verbose_name_plural = _("people read")
        indexes = [
            models.Index(fields=["person_id", "at"], name="auditperson_person_at"),
            models.Index(fields=["actor_id", "at", "person_id"], name="auditperson_actor_at"),
        ]

    def __str__(self) -> str:
        return f"{self.event_id}: {self.person_id}"


class ScheduledJobRun(models.Model):
    """When each periodic job (core.scheduler) was last started."""

    name = models.CharField(max_length=100, unique=True)
    last_run_at = models.DateTimeField(null=True, blank=True)

    def __str__(self) -> str:
        return f"{self.name} @ {self.last_run_at}"


class JobStatus(models.TextChoices):
    QUEUED = "queued", _("Waiting to start")
    RUNNING = "running", _("Running")
    DONE = "done", _("Done")
    REFUSED = "refused", _("Refused: nothing stored")
    FAILED = "failed", _("Failed")


class Job(models.Model):
    """Long work a person asked for (an import, a batch of posters, a big export): its progress, its
    result files and the rows it refused. Run by the background worker when there is one, at once
    otherwise (epiqr.core.jobs); only its owner sees it."""

    kind = models.CharField(max_length=64)
    owner = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="+")
    title = models.CharField(_("title"), max_length=200)
    status = models.CharField(max_length=10, choices=JobStatus.choices, default=JobStatus.QUEUED)
    language = models.CharField(max_length=8, default="vi")
    params = models.JSONField(default=dict, blank=True)
    total = models.PositiveIntegerField(null=True, blank=True)
    done = models.PositiveIntegerField(default=0)
    refused = models.PositiveIntegerField(default=0)
    stage = models.CharField(max_length=200, blank=True)
    message = models.CharField(max_length=1000, blank=True)
    summary = models.JSONField(default=dict, blank=True)
    back_url = models.CharField(max_length=200, blank=True)
    created_at = models.DateTimeField(auto_now_add=True)
    started_at = models.DateTimeField(null=True, blank=True)
    updated_at = models.DateTimeField(null=True, blank=True)
    finished_at = models.DateTimeField(null=True, blank=True)

    STALL_MINUTES = 10

    class Meta:
        ordering = ["-created_at", "-id"]
        verbose_name = _("job")
        indexes = [
            models.Index(fields=["owner", "created_at", "id"], name="job_owner_created"),
            models.Index(fields=["finished_at"], name="job_finished"),
        ]

    def __str__(self) -> str:
        return f"{self.kind} #{self.pk} {self.status}"

    @property
    def finished(self) -> bool:
        return self.status in (JobStatus.DONE, JobStatus.REFUSED, JobStatus.FAILED)

    @property
    def percent(self) -> int | None:
        if not self.total:
            return None
        return min(100, int(self.done * 100 / self.total))

    def stalled(self, at) -> bool:
        """Queued or running with no word from the worker for STALL_MINUTES: the worker may have stopped."""
        from datetime import timedelta

        last = self.updated_at or self.created_at
        return not self.finished and last is not None and at - last > timedelta(minutes=self.STALL_MINUTES)

    def seconds_left(self, at) -> float | None:
        """Time left at the pace so far (rows done since the start), once there is a pace and a total."""
        if self.finished or not self.total or not self.done or self.started_at is None:
            return None
        elapsed = (at - self.started_at).total_seconds()
        return max(0.0, elapsed / self.done * (self.total - self.done)) if elapsed > 0 else None


class JobFile(models.Model):
    """A file a job read (the upload) or wrote (a PDF, an export, a report), kept in the database so that
    the worker and the web servers need share nothing else; deleted with the job (core.jobs.jobs_purge)."""

    INPUT, RESULT = "input", "result"

    job = models.ForeignKey(Job, on_delete=models.CASCADE, related_name="files")
    role = models.CharField(max_length=10)
    name = models.CharField(max_length=200)
    content_type = models.CharField(max_length=100)
    size = models.PositiveIntegerField(default=0)
    data = models.BinaryField()

    class Meta:
        ordering = ["id"]

    def __str__(self) -> str:
        return f"{self.job_id}/{self.role}/{self.name}"


class JobIssue(models.Model):
    """A row a job refused, and why: the per-row report the owner fixes the file from."""

    job = models.ForeignKey(Job, on_delete=models.CASCADE, related_name="issues")
    line = models.PositiveIntegerField(null=True, blank=True)
    key = models.CharField(max_length=200, blank=True)
    message = models.CharField(max_length=1000)

    class Meta:
        ordering = ["line", "id"]
        indexes = [models.Index(fields=["job", "line", "id"], name="job_issue_line")]

    def __str__(self) -> str:
        return f"{self.job_id}:{self.line} {self.message}"


class SigningKey(models.Model):
    """An ES256 key of a signing purpose (core.keyring): its certificate (public) and its private half
    encrypted with EPIQR_KEYRING_SECRET. One active key per purpose; retired keys keep verifying the
    codes they signed until `verify_until`; a withdrawn key verifies nothing and has no private half."""

    class Status(models.TextChoices):
        ACTIVE = "active", _("Active (signs)")
        RETIRED = "retired", _("Retired (verifies what it signed)")
        WITHDRAWN = "withdrawn", _("Withdrawn (compromised: verifies nothing)")

    purpose = models.CharField(_("purpose"), max_length=20)
    kid = models.CharField(_("key id"), max_length=16, unique=True)  # base64 of 8 bytes
    status = models.CharField(_("status"), max_length=10, choices=Status.choices)
    certificate = models.BinaryField(_("certificate (DER)"))
    private_key = models.TextField(blank=True)  # encrypted PKCS#8 PEM; erased when withdrawn
    created_at = models.DateTimeField(_("created at"))
    retired_at = models.DateTimeField(_("retired at"), null=True, blank=True)
    verify_until = models.DateTimeField(_("verifies until"), null=True, blank=True)
    withdrawn_at = models.DateTimeField(_("withdrawn at"), null=True, blank=True)
    note = models.CharField(_("note"), max_length=500, blank=True)

    class Meta:
        ordering = ["purpose", "-created_at"]
        verbose_name = _("signing key")
        verbose_name_plural = _("signing keys")
        constraints = [
            models.UniqueConstraint(
                fields=["purpose"], condition=models.Q(status="active"), name="signing_key_one_active"
            )
        ]

    def __str__(self) -> str:
        return f"{self.purpose} {self.kid} ({self.get_status_display()})"


class Revocation(models.Model):
    """A signed code withdrawn before its expiry (issued in error), published by digest (core.keyring)."""

    purpose = models.CharField(_("purpose"), max_length=20)
    digest = models.CharField(_("digest"), max_length=44)
    reason = models.CharField(_("reason"), max_length=500)
    revoked_at = models.DateTimeField(_("revoked at"))
    revoked_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )

    class Meta:
        ordering = ["-revoked_at"]
        verbose_name = _("revocation")
        verbose_name_plural = _("revocations")
        constraints = [models.UniqueConstraint(fields=["purpose", "digest"], name="revocation_unique")]

    def __str__(self) -> str:
        return f"{self.purpose} {self.digest}"
