from django.conf import settings
from django.db import models
from django.utils.translation import gettext_lazy as _


class CaseStatus(models.TextChoices):
    ACTIVE = "active", _("Under treatment / isolation")
    RECOVERED = "recovered", _("Recovered")
    DECEASED = "deceased", _("Deceased")
    CLOSED = "closed", _("Closed (cancelled)")


class Case(models.Model):
    """A confirmed case (F0). The infectious period is derived by policy unless an officer overrides it."""

    person = models.ForeignKey(
        "people.Person", on_delete=models.PROTECT, related_name="cases", verbose_name=_("person")
    )
    confirmed_on = models.DateField(_("confirmation date"))
    onset_on = models.DateField(_("symptom onset date"), null=True, blank=True)
    sample_on = models.DateField(_("positive sample date"), null=True, blank=True)
    isolated_at = models.DateTimeField(_("isolated at"), null=True, blank=True)
    infectious_from_override = models.DateTimeField(
        null=True, blank=True, verbose_name=_("infectious from (set by hand)")
    )
    infectious_until_override = models.DateTimeField(
        null=True, blank=True, verbose_name=_("infectious until (set by hand)")
    )
    override_reason = models.CharField(max_length=500, blank=True, verbose_name=_("reason for the change"))
    status = models.CharField(
        max_length=16, choices=CaseStatus.choices, default=CaseStatus.ACTIVE, verbose_name=_("status")
    )
    source = models.CharField(
        _("source"), max_length=40, blank=True, help_text=_("manual, lab, contact, api")
    )
    commune = models.ForeignKey(
        "geo.Commune",
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="+",
        verbose_name=_("commune"),
    )
    opened_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        verbose_name=_("opened by"),
    )
    created_at = models.DateTimeField(auto_now_add=True, verbose_name=_("created"))

    class Meta:
        ordering = ["-confirmed_on", "-id"]
        verbose_name = _("case (F0)")
        verbose_name_plural = _("cases (F0)")
        # The cases list's default sort (cases.selectors.CASES), for a commune and beyond.
        indexes = [
            models.Index(fields=["confirmed_on", "id"], name="case_confirmed"),
            models.Index(fields=["commune", "confirmed_on", "id"], name="case_commune_confirmed"),
            # "Is this person a case now": tracing reads the active cases' people whole for a batch (a
            # few thousand among a year's hundreds of thousands of cases) and probes it for one F0.
            models.Index(fields=["person"], condition=models.Q(status="active"), name="case_active_person"),
        ]

    def __str__(self) -> str:
        return f"F0 #{self.pk} {self.person}"
