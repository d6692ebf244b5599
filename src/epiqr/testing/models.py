from django.conf import settings
from django.db import models
from django.utils.translation import gettext_lazy as _

from . import slipcode
from .pools import Outcome, Result


class TestKind(models.TextChoices):
    PCR_SINGLE = "pcr_single", _("RT-PCR, individual")
    PCR_POOLED = "pcr_pooled", _("RT-PCR, pooled")
    ANTIGEN = "antigen", _("Rapid antigen")


class ResultValue(models.TextChoices):
    POSITIVE = Result.POSITIVE, _("Positive")
    NEGATIVE = Result.NEGATIVE, _("Negative")
    INVALID = Result.INVALID, _("Invalid")


class OutcomeValue(models.TextChoices):
    PENDING = Outcome.PENDING, _("Waiting for the result")
    NEGATIVE = Outcome.NEGATIVE, _("Negative")
    POOL_POSITIVE = Outcome.POOL_POSITIVE, _("Pool positive: come back for an individual test")
    POSITIVE = Outcome.POSITIVE, _("Positive")
    RESAMPLE = Outcome.RESAMPLE, _("Invalid sample: come back for a new swab")


class SamplingSite(models.Model):
    """Where swabs are taken (a health station, a school yard, a street corner on a mass-screening day)."""

    name = models.CharField(_("name"), max_length=150)
    address = models.CharField(_("address"), max_length=255, blank=True)
    commune = models.ForeignKey(
        "geo.Commune", on_delete=models.PROTECT, related_name="+", verbose_name=_("commune")
    )
    created_at = models.DateTimeField(auto_now_add=True, verbose_name=_("created"))

    class Meta:
        ordering = ["name"]
        verbose_name = _("sampling site")
        verbose_name_plural = _("sampling sites")

    def __str__(self) -> str:
        return self.name


class SamplingSession(models.Model):
    """One team sampling at one site on one day with one kind of test."""

    site = models.ForeignKey(
        SamplingSite, on_delete=models.PROTECT, related_name="sessions", verbose_name=_("site")
    )
    team = models.CharField(_("team"), max_length=100)
    day = models.DateField(_("day"))
    kind = models.CharField(_("test kind"), max_length=12, choices=TestKind.choices)
    pool_size_limit = models.PositiveSmallIntegerField(_("pool size limit"), default=10)
    expected_prevalence = models.FloatField(_("expected prevalence"), null=True, blank=True)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
        verbose_name=_("created by"),
    )
    created_at = models.DateTimeField(auto_now_add=True, verbose_name=_("created"))

    class Meta:
        ordering = ["-day", "-id"]
        verbose_name = _("sampling session")
        verbose_name_plural = _("sampling sessions")
        indexes = [models.Index(fields=["day", "id"], name="session_day")]  # testing.selectors.SESSIONS

    def __str__(self) -> str:
        return f"{self.site} · {self.team} · {self.day:%d/%m/%Y}"

    @property
    def pooled(self) -> bool:
        return self.kind == TestKind.PCR_POOLED


class TubeStatus(models.TextChoices):
    OPEN = "open", _("Open (sampling)")
    CLOSED = "closed", _("Closed, waiting for transport")
    RECEIVED = "received", _("Received by the lab")
    RESULTED = "resulted", _("Resulted")


class Tube(models.Model):
    """A sample tube: one person's swab or a pool. `result` mirrors the current LabResult."""

    barcode = models.CharField(_("tube barcode"), max_length=64, unique=True)
    # Looked up through the (session, status) index below.
    session = models.ForeignKey(
        SamplingSession,
        on_delete=models.PROTECT,
        related_name="tubes",
        db_index=False,
        verbose_name=_("session"),
    )
    status = models.CharField(
        max_length=10, choices=TubeStatus.choices, default=TubeStatus.OPEN, verbose_name=_("status")
    )
    member_count = models.PositiveSmallIntegerField(default=0, verbose_name=_("people"))
    result = models.CharField(
        max_length=10, choices=ResultValue.choices, blank=True, verbose_name=_("result")
    )
    opened_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
        db_index=False,
        verbose_name=_("opened by"),
    )
    opened_at = models.DateTimeField(verbose_name=_("opened"))
    closed_at = models.DateTimeField(null=True, blank=True, verbose_name=_("closed"))
    received_at = models.DateTimeField(null=True, blank=True, verbose_name=_("received at the lab"))
    resulted_at = models.DateTimeField(null=True, blank=True, verbose_name=_("resulted"))

    class Meta:
        ordering = ["-opened_at"]
        verbose_name = _("tube")
        verbose_name_plural = _("tubes")
        indexes = [models.Index(fields=["session", "status"], name="tube_session_status")]

    def __str__(self) -> str:
        return self.barcode


class TubeEvent(models.Model):
    """History of a tube's status, written by the one transition guard."""

    tube = models.ForeignKey(Tube, on_delete=models.CASCADE, related_name="events")
    from_status = models.CharField(max_length=10, blank=True)
    to_status = models.CharField(max_length=10)
    at = models.DateTimeField()
    actor = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )

    class Meta:
        ordering = ["at", "id"]

    def __str__(self) -> str:
        return f"{self.tube_id}: {self.from_label or '-'} → {self.to_label}"

    @property
    def from_label(self) -> str:
        return _status_label(self.from_status)

    @property
    def to_label(self) -> str:
        return _status_label(self.to_status)


def _status_label(code: str) -> str:
    """The status as people read it; a code from an older version is shown as it is."""
    return str(TubeStatus(code).label) if code in TubeStatus.values else code


class TubeMember(models.Model):
    """One person's swab in a tube, and what the tube's result means for that person."""

    # Indexes are few on purpose: resolving a screening day updates a million rows, and with no indexed
    # column changing (and free space left in each page, see migration 0002) PostgreSQL updates in place.
    tube = models.ForeignKey(
        Tube, on_delete=models.CASCADE, related_name="members", db_index=False, verbose_name=_("tube")
    )
    session = models.ForeignKey(
        SamplingSession, on_delete=models.PROTECT, related_name="+", db_index=False, verbose_name=_("session")
    )
    person = models.ForeignKey(
        "people.Person", on_delete=models.PROTECT, related_name="+", db_index=False, verbose_name=_("person")
    )
    added_at = models.DateTimeField(verbose_name=_("added"))
    outcome = models.CharField(
        max_length=14, choices=OutcomeValue.choices, default=Outcome.PENDING, verbose_name=_("outcome")
    )
    resulted_at = models.DateTimeField(null=True, blank=True, verbose_name=_("resulted"))
    notified_at = models.DateTimeField(null=True, blank=True, verbose_name=_("notified"))
    # The second factor printed on the person's slip (see slipcode); not indexed: a lookup finds the tube
    # by its barcode and compares the few members' codes.
    slip_code = models.CharField(
        _("result code on the slip"), max_length=slipcode.LENGTH, blank=True, default=slipcode.new
    )

    class Meta:
        ordering = ["id"]
        constraints = [models.UniqueConstraint(fields=["tube", "person"], name="tube_member_once")]
        indexes = [models.Index(fields=["person", "added_at"], name="member_person_time")]
        verbose_name = _("tube member")
        verbose_name_plural = _("tube members")

    def __str__(self) -> str:
        return f"{self.tube_id}/{self.person_id}: {self.get_outcome_display()}"


class ResultSource(models.TextChoices):
    MANUAL = "manual", _("Entered by hand")
    IMPORT = "import", _("File import")
    API = "api", _("Lab system (API)")


class LabResult(models.Model):
    """A result for a tube. Never edited: a correction adds a row and marks the old one superseded."""

    tube = models.ForeignKey(Tube, on_delete=models.CASCADE, related_name="results", verbose_name=_("tube"))
    value = models.CharField(_("result"), max_length=10, choices=ResultValue.choices)
    ct = models.DecimalField(_("Ct value"), max_digits=4, decimal_places=1, null=True, blank=True)
    tested_at = models.DateTimeField(_("test time"))
    source = models.CharField(max_length=8, choices=ResultSource.choices, verbose_name=_("source"))
    entered_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
        verbose_name=_("entered by"),
    )
    entered_at = models.DateTimeField(verbose_name=_("entered"))
    note = models.CharField(_("reason for correction"), max_length=255, blank=True)
    superseded_at = models.DateTimeField(null=True, blank=True, verbose_name=_("corrected"))

    class Meta:
        ordering = ["entered_at", "id"]
        verbose_name = _("lab result")
        verbose_name_plural = _("lab results")

    def __str__(self) -> str:
        return f"{self.tube_id}: {self.get_value_display()}"


class BatchReceipt(models.Model):
    """A retried batch (pairing or results) is answered from here instead of being stored twice.

    Keyed by its sender and the sender's own id (core.idempotency): two labs may both call a batch
    `run-1`. `digest` is the content's: the same id with other content is refused, not replayed."""

    kind = models.CharField(max_length=16)
    sender = models.CharField(max_length=64, default="")
    client_id = models.CharField(max_length=100)  # a pairing batch's is prefixed with its session id
    digest = models.CharField(max_length=64, blank=True)
    actor = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    created_at = models.DateTimeField(auto_now_add=True)
    report = models.JSONField(default=dict)

    class Meta:
        constraints = [
            models.UniqueConstraint(
                fields=["kind", "sender", "client_id"], name="batch_receipt_once_per_sender"
            )
        ]

    def __str__(self) -> str:
        return f"{self.kind}:{self.sender}:{self.client_id}"
