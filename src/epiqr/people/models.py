import uuid

from django.conf import settings
from django.db import models
from django.utils.translation import gettext_lazy as _


class Sex(models.TextChoices):
    MALE = "M", _("Male")
    FEMALE = "F", _("Female")


class Person(models.Model):
    """Someone who checks in, is tested, traced or vaccinated. Identity numbers live in IdentityDocument."""

    public_id = models.UUIDField(default=uuid.uuid4, unique=True, editable=False, verbose_name=_("public id"))
    full_name = models.CharField(_("full name"), max_length=120)
    name_folded = models.CharField(
        max_length=120, verbose_name=_("name without diacritics")
    )  # indexed with the id below
    birth_date = models.DateField(_("date of birth"), null=True, blank=True)
    birth_year = models.PositiveSmallIntegerField(_("birth year"), null=True, blank=True)
    sex = models.CharField(_("sex"), max_length=1, choices=Sex.choices, blank=True)
    phone = models.CharField(_("phone"), max_length=16, blank=True, db_index=True)
    email = models.EmailField(_("email"), blank=True)
    address = models.CharField(_("address"), max_length=255, blank=True)
    commune = models.ForeignKey(
        "geo.Commune",
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="+",
        verbose_name=_("commune"),
    )
    # Bumped to invalidate every personal QR printed so far (lost card, stolen phone).
    qr_generation = models.PositiveIntegerField(default=1, verbose_name=_("personal QR generation"))
    created_at = models.DateTimeField(auto_now_add=True, verbose_name=_("created"))
    updated_at = models.DateTimeField(auto_now=True, verbose_name=_("updated"))

    class Meta:
        ordering = ["full_name"]
        verbose_name = _("person")
        verbose_name_plural = _("people")
        # The sorts of the people list (people.selectors.PEOPLE) within a commune and over a province or
        # the country, so that a page is read in index order instead of sorting millions of rows.
        indexes = [
            models.Index(fields=["name_folded", "id"], name="person_name"),
            models.Index(fields=["commune", "name_folded", "id"], name="person_commune_name"),
            models.Index(fields=["created_at", "id"], name="person_registered"),
            models.Index(fields=["commune", "created_at", "id"], name="person_commune_registered"),
        ]

    def __str__(self) -> str:
        return self.full_name


class DocumentKind(models.TextChoices):
    CCCD = "cccd", _("Citizen ID card (CCCD, 12 digits)")
    CMND = "cmnd", _("Old ID card (CMND, 9 digits)")
    BHYT = "bhyt", _("Health-insurance card (BHYT)")
    PASSPORT = "passport", _("Passport")
    # The QID of a 2021 national personal QR whose ID number was masked: lets a second scan find the person.
    NATIONAL_QR = "qr2021", _("2021 national personal QR")


class IdentityDocument(models.Model):
    person = models.ForeignKey(
        Person, on_delete=models.CASCADE, related_name="documents", verbose_name=_("person")
    )
    kind = models.CharField(_("kind"), max_length=10, choices=DocumentKind.choices)
    number = models.CharField(_("number"), max_length=32)
    issued_on = models.DateField(_("issued on"), null=True, blank=True)
    created_at = models.DateTimeField(_("created"), auto_now_add=True)

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["kind", "number"], name="identity_document_unique_number")
        ]
        verbose_name = _("identity document")
        verbose_name_plural = _("identity documents")

    def __str__(self) -> str:
        return f"{self.get_kind_display()} {self.number}"


# --- citizens' phones: what a device typed itself, and what its holder proved ----------------------


class Device(models.Model):
    """A citizen's phone (its browser), known by the random key in its signed cookie (`core.device`).

    Only the key's hash is stored: reading this table does not let anyone pose as the phone.
    """

    key_hash = models.CharField(max_length=64, unique=True)
    created_at = models.DateTimeField(auto_now_add=True)
    last_seen_at = models.DateTimeField(auto_now_add=True, db_index=True)

    class Meta:
        verbose_name = _("citizen device")

    def __str__(self) -> str:
        return f"device {self.pk}"


class DeviceLink(models.Model):
    """A person this phone checked in by typing their details. It gives the phone the check-ins it
    recorded itself and nothing else; the typed name is how the phone shows the person until proven."""

    device = models.ForeignKey(Device, on_delete=models.CASCADE, related_name="links")
    person = models.ForeignKey(Person, on_delete=models.CASCADE, related_name="+")
    label = models.CharField(_("name as typed on the phone"), max_length=120)
    phone = models.CharField(max_length=16, blank=True)
    birth_year = models.PositiveSmallIntegerField(null=True, blank=True)
    commune = models.ForeignKey(
        "geo.Commune", null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        verbose_name = _("person on a device")
        constraints = [models.UniqueConstraint(fields=["device", "person"], name="device_link_unique")]

    def __str__(self) -> str:
        return f"{self.label} @ device {self.device_id}"


class ProofKind(models.TextChoices):
    OTP = "otp", _("One-time code sent to the phone on record")
    CARD = "card", _("Chip ID card checked by staff")
    SLIP = "slip", _("Result slip and its second factor")
    # A phone NUMBER proved by a code sent to it (a form that needs the asker's own number, not a person).
    PHONE = "phone", _("One-time code proving a phone number")


class DeviceProof(models.Model):
    """What a device's holder proved: a whole person (`object_type` empty) or one object of theirs (a
    result, by its slip). Until `expires_at`; revoking deletes the row (the audit log keeps the story)."""

    device = models.ForeignKey(Device, on_delete=models.CASCADE, related_name="proofs")
    person = models.ForeignKey(Person, on_delete=models.CASCADE, related_name="+")
    kind = models.CharField(max_length=8, choices=ProofKind.choices)
    object_type = models.CharField(max_length=64, blank=True)  # "<app>.<model>" of the one object proven
    object_id = models.CharField(max_length=64, blank=True)
    granted_at = models.DateTimeField(auto_now_add=True)
    expires_at = models.DateTimeField()
    granted_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )

    class Meta:
        verbose_name = _("device proof")
        indexes = [
            models.Index(fields=["device", "expires_at"], name="device_proof_device"),
            models.Index(fields=["person"], name="device_proof_person"),
        ]

    def __str__(self) -> str:
        return f"{self.kind} {self.person_id} @ device {self.device_id}"


class ProofChallenge(models.Model):
    """One proof in progress. `otp`: a code sent by SMS to the phone on record of `person` (or of every
    person with `phone` on record); neither set when nothing matched, and then no code can succeed.
    `card`: a code the phone shows for a staff scan of the holder's chip ID card.

    Codes are stored as keyed hashes; `rate_key` names the person asked for (or the unmatched identifier)
    and `ip_hash` the asker's network, so the limits count rows of this table.
    """

    device = models.ForeignKey(Device, on_delete=models.CASCADE, related_name="challenges")
    kind = models.CharField(max_length=8, choices=ProofKind.choices)
    person = models.ForeignKey(Person, null=True, blank=True, on_delete=models.CASCADE, related_name="+")
    phone = models.CharField(max_length=16, blank=True)
    nonce = models.CharField(max_length=32)
    code_hash = models.CharField(max_length=64, blank=True, db_index=True)
    rate_key = models.CharField(max_length=64, db_index=True)
    ip_hash = models.CharField(max_length=64, db_index=True)
    attempts = models.PositiveSmallIntegerField(default=0)
    created_at = models.DateTimeField(auto_now_add=True, db_index=True)
    expires_at = models.DateTimeField()
    used_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        verbose_name = _("proof in progress")

    def __str__(self) -> str:
        return f"{self.kind} challenge {self.pk}"
