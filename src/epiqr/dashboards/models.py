"""Read models of the dashboards: counts kept current from the other domains (never their rules)."""

from django.db import models
from django.utils.translation import gettext_lazy as _


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
        indexes = [models.Index(fields=["kind", "day"], name="level_kind_day")]

    def __str__(self) -> str:
        return f"{self.kind} {self.code} {self.day}: {self.level}"
