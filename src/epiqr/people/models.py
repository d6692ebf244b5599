import uuid

from django.db import models
from django.utils.translation import gettext_lazy as _


class Sex(models.TextChoices):
    MALE = "M", _("Male")
    FEMALE = "F", _("Female")


class Person(models.Model):
    """Someone who checks in, is tested, traced or vaccinated. Identity numbers live in IdentityDocument."""

    public_id = models.UUIDField(default=uuid.uuid4, unique=True, editable=False)
    full_name = models.CharField(_("full name"), max_length=120)
    name_folded = models.CharField(max_length=120, db_index=True)
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
    qr_generation = models.PositiveIntegerField(default=1)
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        ordering = ["full_name"]
        verbose_name = _("person")
        verbose_name_plural = _("person")

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
    person = models.ForeignKey(Person, on_delete=models.CASCADE, related_name="documents")
    kind = models.CharField(max_length=10, choices=DocumentKind.choices)
    number = models.CharField(max_length=32)
    issued_on = models.DateField(null=True, blank=True)
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["kind", "number"], name="identity_document_unique_number")
        ]
        verbose_name = _("identity document")

    def __str__(self) -> str:
        return f"{self.get_kind_display()} {self.number}"
