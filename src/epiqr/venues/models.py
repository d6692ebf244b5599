from django.conf import settings
from django.db import models
from django.utils.translation import gettext_lazy as _


class Sector(models.TextChoices):
    HEALTH = "health", _("Health facility")
    SCHOOL = "school", _("School")
    LODGING = "lodging", _("Lodging")
    RETAIL = "retail", _("Market, mall or shop")
    FOOD = "food", _("Restaurant, eatery or café")
    WORKPLACE = "workplace", _("Office, agency or factory")
    TRANSPORT = "transport", _("Transport station")
    RELIGIOUS = "religious", _("Religious site")
    EVENT = "event", _("Event")
    OTHER = "other", _("Other")


# The department that answers for venues of each sector (Hanoi's 2021 assignment of QR roll-out).
SECTOR_AGENCY = {
    Sector.HEALTH: _("Department of Health"),
    Sector.SCHOOL: _("Department of Education and Training"),
    Sector.LODGING: _("Department of Tourism"),
    Sector.RETAIL: _("Department of Industry and Trade"),
    Sector.FOOD: _("Department of Industry and Trade"),
    Sector.WORKPLACE: _("Department of Home Affairs / Industrial Zones Authority"),
    Sector.TRANSPORT: _("Department of Transport"),
    Sector.RELIGIOUS: _("Religious Affairs Committee"),
    Sector.EVENT: _("Department of Culture and Sports"),
    Sector.OTHER: _("Commune People's Committee"),
}


class Venue(models.Model):
    """A place (or an event) where people check in by scanning its poster."""

    code = models.CharField(_("venue code"), max_length=12, unique=True)
    name = models.CharField(_("venue name"), max_length=200)
    name_folded = models.CharField(
        max_length=200, verbose_name=_("name without diacritics")
    )  # indexed with the id (Meta.indexes)
    sector = models.CharField(_("sector"), max_length=16, choices=Sector.choices, default=Sector.OTHER)
    address = models.CharField(_("address"), max_length=255)
    commune = models.ForeignKey(
        "geo.Commune", on_delete=models.PROTECT, related_name="+", verbose_name=_("commune")
    )
    capacity = models.PositiveIntegerField(_("capacity"), null=True, blank=True)
    phone = models.CharField(_("contact phone"), max_length=16, blank=True)
    owner = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="owned_venues",
        verbose_name=_("owner"),
    )
    starts_at = models.DateTimeField(_("starts (event)"), null=True, blank=True)
    ends_at = models.DateTimeField(_("ends (event)"), null=True, blank=True)
    # Part of the signed token: bumping it (a reprint) makes every earlier poster invalid.
    token_generation = models.PositiveIntegerField(default=1, verbose_name=_("poster generation"))
    is_active = models.BooleanField(default=True, verbose_name=_("active"))
    created_at = models.DateTimeField(auto_now_add=True, verbose_name=_("created"))
    updated_at = models.DateTimeField(auto_now=True, verbose_name=_("updated"))

    class Meta:
        ordering = ["name"]
        verbose_name = _("venue")
        verbose_name_plural = _("venues")
        indexes = [
            models.Index(fields=["commune", "sector"]),
            # The sorts of the venues list (venues.selectors.VENUES), for a commune and beyond.
            models.Index(fields=["name_folded", "id"], name="venue_name"),
            models.Index(fields=["commune", "name_folded", "id"], name="venue_commune_name"),
            models.Index(fields=["created_at", "id"], name="venue_registered"),
        ]

    def __str__(self) -> str:
        return self.name

    @property
    def agency(self) -> str:
        return str(SECTOR_AGENCY.get(self.sector, SECTOR_AGENCY[Sector.OTHER]))


class SafetyStatus(models.TextChoices):
    SAFE = "safe", _("Safe")
    AT_RISK = "at_risk", _("At risk")
    HIGH_RISK = "high_risk", _("High risk")


class SafetyAssessment(models.Model):
    """A venue owner's COVID-safety self-assessment (the checklist of `safety`, its answers and the status
    they gave), valid until `valid_until`. Rows are kept: the latest valid one is the venue's status."""

    venue = models.ForeignKey(
        Venue, on_delete=models.CASCADE, related_name="safety_assessments", verbose_name=_("venue")
    )
    checklist = models.CharField(_("checklist"), max_length=40)
    answers = models.JSONField(_("answers"), default=dict)
    status = models.CharField(_("status"), max_length=10, choices=SafetyStatus.choices)
    assessed_at = models.DateTimeField(_("assessed at"))
    valid_until = models.DateField(_("valid until"))
    assessed_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
        verbose_name=_("assessed by"),
    )

    class Meta:
        verbose_name = _("safety self-assessment")
        verbose_name_plural = _("safety self-assessments")
        indexes = [models.Index(fields=["venue", "assessed_at"], name="venue_safety_latest")]

    def __str__(self) -> str:
        return f"{self.venue_id} {self.status} until {self.valid_until}"
