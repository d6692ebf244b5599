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
