"""Read models of the dashboards: counts kept current from the other domains (never their rules)."""

from django.db import models
from django.utils.translation import gettext_lazy as _

from epiqr.venues.models import Sector


class CommuneDayCount(models.Model):
    """Per commune and local day: cases by confirmation and by onset, people sampled, people with a
    result, confirmed positives. Rebuilt for a day from the cases and testing selectors whenever a case
    or a result of that day arrives (flows.py) and nightly (scheduled.py)."""

    commune = models.ForeignKey(
        "geo.Commune", on_delete=models.CASCADE, related_name="+", verbose_name=_("commune")
    )
    day = models.DateField(_("day"))
    confirmed = models.PositiveIntegerField(_("cases by confirmation"), default=0)
    onset = models.PositiveIntegerField(_("cases by onset"), default=0)
    samples = models.PositiveIntegerField(_("people sampled"), default=0)
    resulted = models.PositiveIntegerField(_("people with a result"), default=0)
    positives = models.PositiveIntegerField(_("positives"), default=0)
    updated_at = models.DateTimeField(auto_now=True, verbose_name=_("updated"))

    class Meta:
        verbose_name = _("daily commune count")
        verbose_name_plural = _("daily commune counts")
        constraints = [models.UniqueConstraint(fields=["commune", "day"], name="commune_day_count_unique")]
        indexes = [models.Index(fields=["day", "commune"], name="commune_day_count_day")]

    def __str__(self) -> str:
        return f"{self.commune_id} {self.day}"


class CommuneActiveCount(models.Model):
    """Active cases (isolated now) in one commune, by the cases domain's rule (`cases.selectors.
    case_active_counts`): recounted for the case's commune whenever a case opens, is cancelled or ends
    (flows.py), and for every commune nightly (services.active_counts_refresh). Communes with no active case
    have no row or a 0."""

    commune = models.OneToOneField(
        "geo.Commune", on_delete=models.CASCADE, primary_key=True, related_name="+", verbose_name=_("commune")
    )
    active = models.PositiveIntegerField(_("active cases"), default=0)
    updated_at = models.DateTimeField(auto_now=True, verbose_name=_("updated"))

    class Meta:
        verbose_name = _("active cases of a commune")
        verbose_name_plural = _("active cases of communes")

    def __str__(self) -> str:
        return f"{self.commune_id}: {self.active}"


class ProvinceDayCount(models.Model):
    """CommuneDayCount summed by province and day (written with it, services.day_counts_refresh): a
    province or the whole country over 90 days is a read of a few thousand rows at most."""

    province = models.ForeignKey(
        "geo.Province", on_delete=models.CASCADE, related_name="+", verbose_name=_("province")
    )
    day = models.DateField(_("day"))
    confirmed = models.PositiveIntegerField(_("cases by confirmation"), default=0)
    onset = models.PositiveIntegerField(_("cases by onset"), default=0)
    samples = models.PositiveIntegerField(_("people sampled"), default=0)
    resulted = models.PositiveIntegerField(_("people with a result"), default=0)
    positives = models.PositiveIntegerField(_("positives"), default=0)

    class Meta:
        verbose_name = _("daily province count")
        verbose_name_plural = _("daily province counts")
        constraints = [models.UniqueConstraint(fields=["province", "day"], name="province_day_count_unique")]
        indexes = [models.Index(fields=["day", "province"], name="province_day_count_day")]

    def __str__(self) -> str:
        return f"{self.province_id} {self.day}"


class AreaPopulation(models.Model):
    """A commune's population (for rates per 100,000), imported or typed by an administrator."""

    commune = models.OneToOneField(
        "geo.Commune", on_delete=models.CASCADE, primary_key=True, related_name="+", verbose_name=_("commune")
    )
    population = models.PositiveIntegerField(_("population"))
    adults = models.PositiveIntegerField(_("adults (18 and over)"), null=True, blank=True)
    source = models.CharField(_("source"), max_length=200, blank=True)
    updated_at = models.DateTimeField(auto_now=True, verbose_name=_("updated"))

    class Meta:
        verbose_name = _("population of a commune")
        verbose_name_plural = _("populations of communes")

    def __str__(self) -> str:
        return f"{self.commune_id}: {self.population}"


class PlaceKind(models.TextChoices):
    COMMUNE = "commune", _("Commune")
    PROVINCE = "province", _("Province")


class LevelAssessment(models.Model):
    """The epidemic level of one place on one day, with the policy used, its inputs and its reasons.
    One row per place and day (a recomputation that day replaces it); the rows over days are the history."""

    kind = models.CharField(_("kind of place"), max_length=10, choices=PlaceKind.choices)
    code = models.PositiveIntegerField(_("code of the place"))
    day = models.DateField(_("day"))
    level = models.PositiveSmallIntegerField(_("level"), null=True, blank=True)
    rate = models.FloatField(_("new cases per 100,000 in 7 days"), null=True, blank=True)
    policy = models.CharField(_("policy"), max_length=40)
    reasons = models.JSONField(_("reasons"), default=list)
    inputs = models.JSONField(_("inputs"), default=dict)
    trigger = models.CharField(_("computed"), max_length=12)  # "daily" or "on_demand"
    computed_at = models.DateTimeField(_("computed at"))

    class Meta:
        verbose_name = _("epidemic level")
        verbose_name_plural = _("epidemic levels")
        constraints = [models.UniqueConstraint(fields=["kind", "code", "day"], name="level_once_a_day")]
        indexes = [
            models.Index(fields=["kind", "day"], name="level_kind_day"),
            # the paged list of a day's levels (selectors.LEVELS): by code, and highest level first
            models.Index(fields=["day", "kind", "code"], name="level_day_kind_code"),
            models.Index(fields=["day", "kind", "level", "rate", "code"], name="level_day_kind_level"),
        ]

    def __str__(self) -> str:
        return f"{self.kind} {self.code} {self.day}: {self.level}"


class SectorDeadline(models.Model):
    """Who answers for putting QR codes up in a sector of a province, and by when (Huế gave each
    department a sector and a date)."""

    province = models.ForeignKey(
        "geo.Province", on_delete=models.CASCADE, related_name="+", verbose_name=_("province")
    )
    sector = models.CharField(_("sector"), max_length=16)
    agency = models.CharField(_("responsible agency"), max_length=200)
    deadline = models.DateField(_("deadline"))

    class Meta:
        verbose_name = _("deployment deadline")
        verbose_name_plural = _("deployment deadlines")
        constraints = [models.UniqueConstraint(fields=["province", "sector"], name="deadline_per_sector")]

    def __str__(self) -> str:
        return f"{self.sector}: {self.deadline}"


class MatchStatus(models.TextChoices):
    MATCHED = "matched", _("Matched to a venue")
    REVIEW = "review", _("To review")
    UNMATCHED = "unmatched", _("Not registered")
    CONFIRMED = "confirmed", _("Confirmed by an officer")


class DeploymentTarget(models.Model):
    """A unit that must put up its QR code (from a business registry or an agency's sheet), and the
    registered venue it was matched to, if any."""

    province = models.ForeignKey(
        "geo.Province", on_delete=models.CASCADE, related_name="+", verbose_name=_("province")
    )
    commune = models.ForeignKey(
        "geo.Commune", on_delete=models.PROTECT, related_name="+", verbose_name=_("commune")
    )
    name = models.CharField(_("unit name"), max_length=200)
    address = models.CharField(_("address"), max_length=255, blank=True)
    sector = models.CharField(_("sector"), max_length=16, choices=Sector.choices)
    agency = models.CharField(_("responsible agency"), max_length=200)
    tax_code = models.CharField(_("tax code"), max_length=20, blank=True)
    licence = models.CharField(_("licence number"), max_length=40, blank=True)
    phone = models.CharField(_("contact phone"), max_length=16, blank=True)
    contact = models.CharField(_("contact person"), max_length=120, blank=True)
    status = models.CharField(
        _("match"), max_length=10, choices=MatchStatus.choices, default=MatchStatus.UNMATCHED
    )
    score = models.FloatField(_("match score"), default=0)
    venue = models.ForeignKey(
        "venues.Venue",
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
        verbose_name=_("venue"),
    )
    rejected_venues = models.JSONField(_("venues rejected by an officer"), default=list, blank=True)
    imported_by = models.ForeignKey(
        "accounts.User",
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
        verbose_name=_("imported by"),
    )
    created_at = models.DateTimeField(auto_now_add=True, verbose_name=_("created"))
    reviewed_at = models.DateTimeField(_("reviewed at"), null=True, blank=True)

    class Meta:
        verbose_name = _("deployment target")
        verbose_name_plural = _("deployment targets")
        indexes = [
            models.Index(fields=["province", "sector"], name="target_province_sector"),
            models.Index(fields=["commune", "status"], name="target_commune_status"),
        ]

    def __str__(self) -> str:
        return self.name


class DeploymentDay(models.Model):
    """A sector's progress on one day (the line against the deadline): required, deployed, active."""

    province = models.ForeignKey(
        "geo.Province", on_delete=models.CASCADE, related_name="+", verbose_name=_("province")
    )
    sector = models.CharField(_("sector"), max_length=16)
    day = models.DateField(_("day"))
    required = models.PositiveIntegerField(_("units required"), default=0)
    deployed = models.PositiveIntegerField(_("deployed"), default=0)
    active = models.PositiveIntegerField(_("active in the last 7 days"), default=0)

    class Meta:
        verbose_name = _("deployment progress of a day")
        verbose_name_plural = _("deployment progress by day")
        constraints = [
            models.UniqueConstraint(fields=["province", "sector", "day"], name="deployment_day_once")
        ]

    def __str__(self) -> str:
        return f"{self.sector} {self.day}: {self.deployed}/{self.required}"


class ActivityDayCount(models.Model):
    """Check-ins of one local day by commune and sector: how many, at how many venues, and by local hour.
    Rolled up from the check-ins domain's daily venue counts (never the check-in table) every few minutes
    for today and yesterday, and nightly for the last two weeks (services.activity_refresh)."""

    commune = models.ForeignKey(
        "geo.Commune", on_delete=models.CASCADE, related_name="+", verbose_name=_("commune")
    )
    sector = models.CharField(_("sector"), max_length=16, choices=Sector.choices)
    day = models.DateField(_("day"))
    checkins = models.PositiveIntegerField(_("check-ins"), default=0)
    venues = models.PositiveIntegerField(_("venues with check-ins"), default=0)
    hours = models.JSONField(_("check-ins per local hour"), default=list)

    class Meta:
        verbose_name = _("check-in activity of a day")
        verbose_name_plural = _("check-in activity by day")
        constraints = [models.UniqueConstraint(fields=["commune", "sector", "day"], name="activity_day_once")]
        indexes = [models.Index(fields=["day", "commune"], name="activity_day_commune")]

    def __str__(self) -> str:
        return f"{self.commune_id} {self.sector} {self.day}: {self.checkins}"


class ProvinceActivityDayCount(models.Model):
    """ActivityDayCount summed by province, sector and day (written with it, services.activity_refresh):
    the activity of a province or of the country is a read of provinces x sectors x days rows."""

    province = models.ForeignKey(
        "geo.Province", on_delete=models.CASCADE, related_name="+", verbose_name=_("province")
    )
    sector = models.CharField(_("sector"), max_length=16, choices=Sector.choices)
    day = models.DateField(_("day"))
    checkins = models.PositiveIntegerField(_("check-ins"), default=0)
    venues = models.PositiveIntegerField(_("venues with check-ins"), default=0)
    hours = models.JSONField(_("check-ins per local hour"), default=list)

    class Meta:
        verbose_name = _("check-in activity of a province on a day")
        verbose_name_plural = _("check-in activity by province and day")
        constraints = [
            models.UniqueConstraint(fields=["province", "sector", "day"], name="province_activity_day_once")
        ]
        indexes = [models.Index(fields=["day", "province"], name="province_activity_day")]

    def __str__(self) -> str:
        return f"{self.province_id} {self.sector} {self.day}: {self.checkins}"


class DeclarationDayCount(models.Model):
    """Health declarations of one local day in a commune (all, and those flagged for follow-up)."""

    commune = models.ForeignKey(
        "geo.Commune", on_delete=models.CASCADE, related_name="+", verbose_name=_("commune")
    )
    day = models.DateField(_("day"))
    declarations = models.PositiveIntegerField(_("declarations"), default=0)
    flagged = models.PositiveIntegerField(_("flagged for follow-up"), default=0)

    class Meta:
        verbose_name = _("declarations of a day")
        verbose_name_plural = _("declarations by day")
        constraints = [models.UniqueConstraint(fields=["commune", "day"], name="declaration_day_once")]
        indexes = [models.Index(fields=["day", "commune"], name="declaration_day_commune")]

    def __str__(self) -> str:
        return f"{self.commune_id} {self.day}: {self.declarations}"


class VenueOccupancy(models.Model):
    """People probably inside a venue at the last snapshot (check-ins within the assumed stay, not
    checked out), with the venue's capacity: the crowded places now. Replaced whole every few minutes."""

    venue_id = models.BigIntegerField(_("venue"), primary_key=True)
    commune = models.ForeignKey(
        "geo.Commune", on_delete=models.CASCADE, related_name="+", verbose_name=_("commune")
    )
    name = models.CharField(_("venue name"), max_length=200)
    sector = models.CharField(_("sector"), max_length=16, choices=Sector.choices)
    people = models.PositiveIntegerField(_("people inside"))
    capacity = models.PositiveIntegerField(_("capacity"), null=True, blank=True)
    at = models.DateTimeField(_("counted at"))

    class Meta:
        verbose_name = _("occupancy of a venue")
        verbose_name_plural = _("occupancy of venues")
        indexes = [models.Index(fields=["commune", "people"], name="occupancy_commune")]

    def __str__(self) -> str:
        return f"{self.name}: {self.people}/{self.capacity or '?'}"


class ClusterSpot(models.Model):
    """A venue where two or more counted cases checked in within two weeks (tracing's cluster rule), for
    the map: the venue, its commune and how many cases; no person. Rebuilt every few minutes."""

    venue_id = models.BigIntegerField(_("venue"), primary_key=True)
    commune = models.ForeignKey(
        "geo.Commune", on_delete=models.CASCADE, related_name="+", verbose_name=_("commune")
    )
    name = models.CharField(_("venue name"), max_length=200)
    cases = models.PositiveIntegerField(_("cases"))
    first = models.DateTimeField(_("first visit"))
    last = models.DateTimeField(_("last visit"))
    at = models.DateTimeField(_("computed at"))

    class Meta:
        verbose_name = _("cluster")
        verbose_name_plural = _("clusters")

    def __str__(self) -> str:
        return f"{self.name}: {self.cases}"


class CoverageCount(models.Model):
    """Vaccination coverage of a commune and age band (vaccination.selectors.coverage_counts): people
    registered and people with at least 1, 2 and 3 doses. Replaced whole every few minutes and nightly."""

    commune = models.ForeignKey(
        "geo.Commune", on_delete=models.CASCADE, related_name="+", verbose_name=_("commune")
    )
    band = models.CharField(_("age band"), max_length=8)
    people = models.PositiveIntegerField(_("people registered"), default=0)
    dose1 = models.PositiveIntegerField(_("with at least one dose"), default=0)
    dose2 = models.PositiveIntegerField(_("with at least two doses"), default=0)
    dose3 = models.PositiveIntegerField(_("with at least three doses"), default=0)
    day = models.DateField(_("day"))

    class Meta:
        verbose_name = _("vaccination coverage")
        verbose_name_plural = _("vaccination coverage")
        constraints = [models.UniqueConstraint(fields=["commune", "band"], name="coverage_once")]

    def __str__(self) -> str:
        return f"{self.commune_id} {self.band}: {self.dose1}/{self.people}"
