from django.conf import settings
from django.db import models
from django.db.models import F, Q
from django.utils.translation import gettext_lazy as _


class Tier(models.IntegerChoices):
    """QĐ 4111/QĐ-BYT (26/8/2021): the three-tier tower of COVID-19 treatment."""

    ONE = 1, _("Tier 1 (asymptomatic and mild)")
    TWO = 2, _("Tier 2 (moderate)")
    THREE = 3, _("Tier 3 (severe and critical)")


class BedKind(models.TextChoices):
    NORMAL = "normal", _("Normal bed")
    OXYGEN = "oxygen", _("Oxygen bed")
    ICU = "icu", _("Intensive care bed")


class Severity(models.TextChoices):
    ASYMPTOMATIC = "asymptomatic", _("Asymptomatic")
    MILD = "mild", _("Mild")
    MODERATE = "moderate", _("Moderate")
    SEVERE = "severe", _("Severe")
    CRITICAL = "critical", _("Critical")


class Setting(models.TextChoices):
    HOME = "home", _("At home")
    TIER1 = "tier1", _("Tier 1 facility")
    TIER2 = "tier2", _("Tier 2 facility")
    TIER3 = "tier3", _("Tier 3 facility")


class PatientStatus(models.TextChoices):
    CONFIRMED = "confirmed", _("Confirmed, not placed yet")
    AT_HOME = "at_home", _("Cared for at home")
    ADMITTED = "admitted", _("Admitted")
    TRANSFERRED = "transferred", _("Being transferred")
    RECOVERED = "recovered", _("Recovered")
    DECEASED = "deceased", _("Deceased")
    CANCELLED = "cancelled", _("Case cancelled")


class Facility(models.Model):
    """A treatment facility of one tier, where beds of each kind are kept by `BedPool`."""

    name = models.CharField(_("name"), max_length=200)
    tier = models.PositiveSmallIntegerField(_("tier"), choices=Tier.choices)
    address = models.CharField(_("address"), max_length=255, blank=True)
    commune = models.ForeignKey(
        "geo.Commune", on_delete=models.PROTECT, related_name="+", verbose_name=_("commune")
    )
    latitude = models.FloatField(_("latitude"))
    longitude = models.FloatField(_("longitude"))
    is_active = models.BooleanField(_("receiving patients"), default=True)
    coordinators = models.ManyToManyField(
        settings.AUTH_USER_MODEL, blank=True, related_name="care_facilities", verbose_name=_("coordinators")
    )

    class Meta:
        ordering = ["tier", "name", "id"]
        verbose_name = _("treatment facility")
        verbose_name_plural = _("treatment facilities")

    def __str__(self) -> str:
        return f"{self.name} ({self.get_tier_display()})"


class BedPool(models.Model):
    """The beds of one kind at one facility: `occupied` by admitted patients, `reserved` by accepted
    routings whose patient has not arrived. Changed only by single conditional UPDATEs (services), so
    that two coordinators never take the same last bed; the constraints are the last guard."""

    facility = models.ForeignKey(
        Facility, on_delete=models.CASCADE, related_name="beds", verbose_name=_("facility")
    )
    kind = models.CharField(_("kind of bed"), max_length=10, choices=BedKind.choices)
    total = models.PositiveIntegerField(_("beds"), default=0)
    occupied = models.PositiveIntegerField(_("occupied"), default=0)
    reserved = models.PositiveIntegerField(_("reserved"), default=0)

    class Meta:
        ordering = ["facility", "kind"]
        verbose_name = _("beds of a kind")
        verbose_name_plural = _("beds of a kind")
        constraints = [
            models.UniqueConstraint(fields=["facility", "kind"], name="care_bedpool_once"),
            models.CheckConstraint(
                condition=Q(occupied__gte=0)
                & Q(reserved__gte=0)
                & Q(total__gte=F("occupied") + F("reserved")),
                name="care_bedpool_within_total",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.facility.name}: {self.get_kind_display()} {self.occupied + self.reserved}/{self.total}"

    @property
    def free(self) -> int:
        return self.total - self.occupied - self.reserved


class Patient(models.Model):
    """An F0 case cared for: severity, risk factors, where they are cared for and their status."""

    case = models.OneToOneField(
        "cases.Case", on_delete=models.PROTECT, related_name="care", verbose_name=_("case")
    )
    person = models.ForeignKey(
        "people.Person", on_delete=models.PROTECT, related_name="+", verbose_name=_("person")
    )
    commune = models.ForeignKey(
        "geo.Commune",
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="+",
        verbose_name=_("commune"),
    )
    severity = models.CharField(
        _("severity"), max_length=16, choices=Severity.choices, default=Severity.ASYMPTOMATIC
    )
    respiratory_rate = models.PositiveSmallIntegerField(_("respiratory rate"), null=True, blank=True)
    spo2 = models.PositiveSmallIntegerField(_("SpO2 (%)"), null=True, blank=True)
    signs = models.JSONField(_("signs"), default=list, blank=True)
    comorbidities = models.JSONField(_("comorbidities"), default=list, blank=True)
    pregnant = models.BooleanField(_("pregnant"), default=False)
    setting = models.CharField(_("care setting"), max_length=8, choices=Setting.choices, blank=True)
    status = models.CharField(
        _("status"), max_length=12, choices=PatientStatus.choices, default=PatientStatus.CONFIRMED
    )
    facility = models.ForeignKey(
        Facility,
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="patients",
        verbose_name=_("facility"),
    )
    bed_kind = models.CharField(_("kind of bed"), max_length=10, choices=BedKind.choices, blank=True)
    negative_test_on = models.DateField(_("negative antigen test on"), null=True, blank=True)
    released_on = models.DateField(_("released on"), null=True, blank=True)
    release_code = models.UUIDField(_("release paper id"), null=True, blank=True, unique=True)
    created_at = models.DateTimeField(_("created"), auto_now_add=True)

    class Meta:
        ordering = ["-id"]
        verbose_name = _("patient (F0)")
        verbose_name_plural = _("patients (F0)")
        indexes = [
            models.Index(fields=["status", "commune"], name="care_patient_status"),
            models.Index(fields=["created_at", "id"], name="care_patient_created"),  # the list's sort
        ]

    def __str__(self) -> str:
        return f"F0 #{self.case_id} {self.person}"


class PatientHistory(models.Model):
    """One move of a patient's status machine (services.patient_transition writes it)."""

    patient = models.ForeignKey(
        Patient, on_delete=models.CASCADE, related_name="history", verbose_name=_("patient")
    )
    from_status = models.CharField(_("from"), max_length=12, choices=PatientStatus.choices)
    to_status = models.CharField(_("to"), max_length=12, choices=PatientStatus.choices)
    facility = models.ForeignKey(
        Facility,
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
        verbose_name=_("facility"),
    )
    note = models.CharField(_("note"), max_length=500, blank=True)
    actor = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
        verbose_name=_("by"),
    )
    at = models.DateTimeField(_("at"), auto_now_add=True)

    class Meta:
        ordering = ["at", "id"]
        verbose_name = _("patient status change")
        verbose_name_plural = _("patient status changes")

    def __str__(self) -> str:
        return f"{self.patient_id}: {self.get_from_status_display()} → {self.get_to_status_display()}"


class RoutingStatus(models.TextChoices):
    PROPOSED = "proposed", _("Proposed")
    ACCEPTED = "accepted", _("Accepted")
    ESCALATED = "escalated", _("Escalated to the province")
    WITHDRAWN = "withdrawn", _("Withdrawn")


class Routing(models.Model):
    """A proposal to place a patient at a facility, and the coordinator's decision on it."""

    patient = models.ForeignKey(
        Patient, on_delete=models.CASCADE, related_name="routings", verbose_name=_("patient")
    )
    facility = models.ForeignKey(
        Facility,
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="routings",
        verbose_name=_("facility"),
    )
    proposed_facility = models.ForeignKey(
        Facility,
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="+",
        verbose_name=_("proposed facility"),
    )
    tier = models.PositiveSmallIntegerField(_("tier"), choices=Tier.choices)
    bed_kind = models.CharField(_("kind of bed"), max_length=10, choices=BedKind.choices)
    distance_km = models.FloatField(_("distance (km)"), null=True, blank=True)
    status = models.CharField(
        _("status"), max_length=10, choices=RoutingStatus.choices, default=RoutingStatus.PROPOSED
    )
    surge = models.CharField(_("surge batch"), max_length=40, blank=True)
    # A surge proposal reserves its bed when it is written (one conditional UPDATE per facility and kind),
    # so a proposal of a surge can never be double-booked; accepting it keeps that bed, declining frees it.
    holds_bed = models.BooleanField(_("holds a reserved bed"), default=False)
    reason = models.CharField(_("reason"), max_length=500, blank=True)
    proposed_at = models.DateTimeField(_("proposed at"), auto_now_add=True)
    decided_at = models.DateTimeField(_("decided at"), null=True, blank=True)
    decided_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
        verbose_name=_("decided by"),
    )

    class Meta:
        ordering = ["-proposed_at", "-id"]
        verbose_name = _("routing")
        verbose_name_plural = _("routings")
        indexes = [models.Index(fields=["status", "facility"], name="care_routing_open")]
        constraints = [
            models.UniqueConstraint(
                fields=["patient"], condition=Q(status="proposed"), name="care_routing_one_open"
            )
        ]

    def __str__(self) -> str:
        return f"{self.patient} → {self.facility or '—'} ({self.get_status_display()})"


class Slot(models.TextChoices):
    MORNING = "am", _("Morning")
    EVENING = "pm", _("Evening")


class Report(models.Model):
    """A twice-daily self-report of an F0 at home (by the citizen or entered by the commune team)."""

    patient = models.ForeignKey(
        Patient, on_delete=models.CASCADE, related_name="reports", verbose_name=_("patient")
    )
    day = models.DateField(_("day"))
    slot = models.CharField(_("time of day"), max_length=2, choices=Slot.choices)
    respiratory_rate = models.PositiveSmallIntegerField(_("respiratory rate"), null=True, blank=True)
    pulse = models.PositiveSmallIntegerField(_("pulse"), null=True, blank=True)
    temperature = models.DecimalField(
        _("temperature (°C)"), max_digits=3, decimal_places=1, null=True, blank=True
    )
    spo2 = models.PositiveSmallIntegerField(_("SpO2 (%)"), null=True, blank=True)
    signs = models.JSONField(_("warning signs"), default=list, blank=True)
    warning = models.BooleanField(_("warning"), default=False)
    by_team = models.BooleanField(_("entered by the team"), default=False)
    entered_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
        verbose_name=_("entered by"),
    )
    at = models.DateTimeField(_("at"), auto_now_add=True)

    class Meta:
        ordering = ["-day", "-slot", "-id"]
        verbose_name = _("self-report")
        verbose_name_plural = _("self-reports")
        constraints = [models.UniqueConstraint(fields=["patient", "day", "slot"], name="care_report_once")]

    def __str__(self) -> str:
        return f"{self.patient}: {self.day} {self.get_slot_display()}"


class MissedReport(models.Model):
    """A report slot that passed without a report (flagged once by the scheduler)."""

    patient = models.ForeignKey(
        Patient, on_delete=models.CASCADE, related_name="missed", verbose_name=_("patient")
    )
    day = models.DateField(_("day"))
    slot = models.CharField(_("time of day"), max_length=2, choices=Slot.choices)
    at = models.DateTimeField(_("flagged at"), auto_now_add=True)

    class Meta:
        ordering = ["-day", "-slot"]
        verbose_name = _("missed self-report")
        verbose_name_plural = _("missed self-reports")
        constraints = [models.UniqueConstraint(fields=["patient", "day", "slot"], name="care_missed_once")]

    def __str__(self) -> str:
        return f"{self.patient}: {self.day} {self.get_slot_display()}"
