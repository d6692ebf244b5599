from django.conf import settings
from django.db import models
from django.utils.translation import gettext_lazy as _


class Organisation(models.Model):
    """A company or agency that applies for movement permits for its staff; its accounts have the role
    `organisation` with the scope org_kind="organisation", org_id=this id. The authority deciding its
    permits is the jurisdiction of its commune."""

    name = models.CharField(_("name"), max_length=200)
    tax_code = models.CharField(_("tax code"), max_length=14, unique=True)
    address = models.CharField(_("address"), max_length=255, blank=True)
    commune = models.ForeignKey(
        "geo.Commune", on_delete=models.PROTECT, related_name="+", verbose_name=_("commune")
    )
    phone = models.CharField(_("phone"), max_length=16, blank=True)
    created_at = models.DateTimeField(_("created"), auto_now_add=True)

    class Meta:
        ordering = ["name"]
        verbose_name = _("organisation")
        verbose_name_plural = _("organisations")

    def __str__(self) -> str:
        return self.name


class Purpose(models.IntegerChoices):
    """Why the holder travels (the categories of Hanoi's 2021 permits); the number is in the QR."""

    WORK = 1, _("Work at an organisation allowed to operate")
    HEALTH = 2, _("Health care, emergency")
    ESSENTIAL_GOODS = 3, _("Essential goods supply")
    PUBLIC_DUTY = 4, _("Public duty")
    TRANSPORT = 5, _("Transport and logistics")
    PRESS = 6, _("Press")
    UTILITIES = 7, _("Electricity, water, telecommunications")
    OTHER = 9, _("Other")


class PermitStatus(models.TextChoices):
    APPLIED = "applied", _("Applied, awaiting decision")
    APPROVED = "approved", _("Approved")
    REFUSED = "refused", _("Refused")
    REVOKED = "revoked", _("Revoked")


class Permit(models.Model):
    """A movement permit (giấy đi đường) for one person of an organisation. Its number (`id`) is the
    serial in the QR and in the revocation list; `payload` is the signed QR text, made at approval."""

    organisation = models.ForeignKey(
        Organisation, on_delete=models.PROTECT, related_name="permits", verbose_name=_("organisation")
    )
    # The organisation's commune when it applied: whose officers decide (jurisdiction), without a join.
    commune = models.ForeignKey(
        "geo.Commune", on_delete=models.PROTECT, related_name="+", verbose_name=_("commune")
    )
    holder_id_number = models.CharField(_("ID number"), max_length=20)
    holder_name = models.CharField(_("full name"), max_length=120)
    holder_phone = models.CharField(_("phone"), max_length=16, blank=True)
    holder_email = models.EmailField(_("email"), blank=True)
    purpose = models.PositiveSmallIntegerField(_("purpose"), choices=Purpose.choices)
    valid_from = models.DateField(_("valid from"))
    valid_until = models.DateField(_("valid until"))
    weekdays = models.PositiveSmallIntegerField(_("weekdays"), default=127)  # bit 0 Monday ... bit 6 Sunday
    start_minute = models.PositiveSmallIntegerField(_("from (minute of the day)"), default=0)
    end_minute = models.PositiveSmallIntegerField(_("until (minute of the day)"), default=1440)
    area_provinces = models.JSONField(_("provinces allowed"), default=list, blank=True)
    area_communes = models.JSONField(_("communes allowed"), default=list, blank=True)
    plate = models.CharField(_("vehicle plate"), max_length=12, blank=True)
    status = models.CharField(
        _("status"), max_length=10, choices=PermitStatus.choices, default=PermitStatus.APPLIED
    )
    applied_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
        verbose_name=_("applied by"),
    )
    applied_at = models.DateTimeField(_("applied"), auto_now_add=True)
    decided_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
        verbose_name=_("decided by"),
    )
    decided_at = models.DateTimeField(_("decided"), null=True, blank=True)
    reason = models.CharField(_("reason (refusal or revocation)"), max_length=300, blank=True)
    revoked_at = models.DateTimeField(_("revoked"), null=True, blank=True)
    payload = models.TextField(_("signed QR text"), blank=True)
    kid = models.CharField(_("signing key id"), max_length=64, blank=True)

    class Meta:
        ordering = ["-applied_at", "-id"]
        verbose_name = _("movement permit")
        verbose_name_plural = _("movement permits")
        # The permit lists' sorts (selectors.PERMITS) for an organisation, a jurisdiction and everyone.
        indexes = [
            models.Index(fields=["organisation", "applied_at", "id"], name="permit_org_applied"),
            models.Index(fields=["commune", "applied_at", "id"], name="permit_commune_applied"),
            models.Index(fields=["applied_at", "id"], name="permit_applied"),
            models.Index(fields=["organisation", "holder_id_number"], name="permit_org_holder"),
        ]

    def __str__(self) -> str:
        return _("Permit No. %(n)s, %(name)s") % {"n": self.pk, "name": self.holder_name}


class PermitHistory(models.Model):
    """Each move of a permit's status, written by the one guard (services._move)."""

    permit = models.ForeignKey(Permit, on_delete=models.CASCADE, related_name="history")
    from_status = models.CharField(max_length=10)
    to_status = models.CharField(max_length=10)
    at = models.DateTimeField(auto_now_add=True)
    by = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL)
    reason = models.CharField(max_length=300, blank=True)

    class Meta:
        ordering = ["at", "id"]
        verbose_name = _("permit status change")
        verbose_name_plural = _("permit status changes")

    def __str__(self) -> str:
        return f"{self.permit_id}: {self.from_status} -> {self.to_status}"


class CheckpointKind(models.TextChoices):
    GATEWAY = "gateway", _("City gateway")
    BORDER = "border", _("Border between communes or provinces")
    ZONE = "zone", _("Entrance of a locked-down area")


class Checkpoint(models.Model):
    """A place where officers (and cameras) check people passing; `opens_at`/`closes_at` empty: all day."""

    code = models.SlugField(_("code"), max_length=32, unique=True)
    name = models.CharField(_("name"), max_length=200)
    kind = models.CharField(_("kind"), max_length=10, choices=CheckpointKind.choices)
    commune = models.ForeignKey(
        "geo.Commune", on_delete=models.PROTECT, related_name="+", verbose_name=_("commune")
    )
    location = models.CharField(_("location"), max_length=255, blank=True)
    opens_at = models.TimeField(_("opens at"), null=True, blank=True)
    closes_at = models.TimeField(_("closes at"), null=True, blank=True)
    active = models.BooleanField(_("active"), default=True)
    officers = models.ManyToManyField(
        settings.AUTH_USER_MODEL, blank=True, related_name="checkpoints", verbose_name=_("officers")
    )

    class Meta:
        ordering = ["name"]
        verbose_name = _("checkpoint")
        verbose_name_plural = _("checkpoints")

    def __str__(self) -> str:
        return self.name


class Direction(models.TextChoices):
    IN = "in", _("Entering")
    OUT = "out", _("Leaving")


class Outcome(models.TextChoices):
    VALID = "valid", _("Valid")
    NOT_VALID = "not_valid", _("Not valid")


class PassageSource(models.TextChoices):
    PHONE = "phone", _("Officer's phone")
    CAMERA = "camera", _("Camera")


class Passage(models.Model):
    """Someone checked at a checkpoint: what was shown, the answer and why. Logged by the officer's phone
    (possibly offline, synced later: `client_key` is the phone's id made its sender's own) or by a
    checkpoint camera (`source_ref` the camera's code)."""

    checkpoint = models.ForeignKey(
        Checkpoint, on_delete=models.PROTECT, related_name="passages", verbose_name=_("checkpoint")
    )
    officer = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
        verbose_name=_("officer"),
    )
    at = models.DateTimeField(_("time"))
    direction = models.CharField(_("direction"), max_length=3, choices=Direction.choices, blank=True)
    plate = models.CharField(_("vehicle plate"), max_length=12, blank=True)
    outcome = models.CharField(_("outcome"), max_length=10, choices=Outcome.choices)
    reasons = models.JSONField(_("reasons"), default=list, blank=True)
    permit_serial = models.BigIntegerField(_("permit number"), null=True, blank=True)
    holder_id_number = models.CharField(_("ID number"), max_length=20, blank=True)
    holder_name = models.CharField(_("name shown"), max_length=120, blank=True)
    alert = models.BooleanField(_("shown red by the registry"), default=False)
    source = models.CharField(_("source"), max_length=8, choices=PassageSource.choices)
    source_ref = models.CharField(_("camera"), max_length=32, blank=True)
    client_key = models.UUIDField(null=True, blank=True, unique=True)
    received_at = models.DateTimeField(_("received"), auto_now_add=True)

    class Meta:
        ordering = ["-at", "-id"]
        verbose_name = _("passage")
        verbose_name_plural = _("passages")
        indexes = [
            models.Index(fields=["checkpoint", "at", "id"], name="passage_checkpoint_at"),
            models.Index(fields=["at", "id"], name="passage_at"),
        ]

    def __str__(self) -> str:
        return f"{self.checkpoint_id} {self.at:%Y-%m-%d %H:%M} {self.outcome}"


class QuarantineFlag(models.Model):
    """Read model of the quarantine domain's quarantines (kept by flows.py from `quarantine_started` and
    `quarantine_ended`; checkpoints sit below quarantine and never read its tables): the registry shows a
    person red as "F1 in quarantine" from `start` to `end` (the policy's last day of quarantine, not the
    self-monitoring after it) unless the quarantine ended earlier (`ended_on`)."""

    quarantine_id = models.PositiveBigIntegerField(_("quarantine"), unique=True)
    person = models.ForeignKey(
        "people.Person", on_delete=models.CASCADE, related_name="+", verbose_name=_("person")
    )
    start = models.DateField(_("first day"))
    end = models.DateField(_("last day of quarantine"), null=True, blank=True)  # None: the policy asks none
    ended_on = models.DateField(_("ended on"), null=True, blank=True)

    class Meta:
        verbose_name = _("quarantine flag")
        verbose_name_plural = _("quarantine flags")
        indexes = [models.Index(fields=["person", "start"], name="checkpoints_qflag_person")]

    def __str__(self) -> str:
        return f"{self.person_id}: {self.start} – {self.end or '—'}"
