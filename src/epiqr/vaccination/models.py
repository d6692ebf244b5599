"""Vaccination: sites, sessions, lots, invitations, screening notes, doses, adverse events, certificates.

Products and schedules are data in `schedules.py` (versioned, with their sources); rows name a product by
its code there.
"""

import uuid

from django.conf import settings
from django.db import models
from django.utils.translation import gettext_lazy as _
from django.utils.translation import pgettext_lazy

from .schedules import PRODUCTS

PRODUCT_CHOICES = [(p.code, p.name) for p in PRODUCTS.values()]


class Site(models.Model):
    """A place where people are vaccinated (a commune health station, a school hall)."""

    name = models.CharField(_("name"), max_length=200)
    commune = models.ForeignKey(
        "geo.Commune", on_delete=models.PROTECT, related_name="+", verbose_name=_("commune")
    )
    address = models.CharField(_("address"), max_length=255, blank=True)

    class Meta:
        ordering = ["name"]
        verbose_name = _("vaccination site")
        verbose_name_plural = _("vaccination sites")

    def __str__(self) -> str:
        return self.name


class Lot(models.Model):
    product = models.CharField(_("vaccine"), max_length=16, choices=PRODUCT_CHOICES)
    number = models.CharField(_("lot number"), max_length=40)
    expires_on = models.DateField(_("expires on"))

    class Meta:
        ordering = ["product", "expires_on"]
        verbose_name = _("vaccine lot")
        verbose_name_plural = _("vaccine lots")
        constraints = [models.UniqueConstraint(fields=["product", "number"], name="vaccination_lot_unique")]

    def __str__(self) -> str:
        return f"{self.get_product_display()} · {self.number}"


class Session(models.Model):
    """A day of vaccination at a site by a team with one product (and a default lot)."""

    site = models.ForeignKey(
        Site,
        on_delete=models.PROTECT,
        related_name="sessions",
        verbose_name=pgettext_lazy("vaccination", "site"),
    )
    day = models.DateField(_("day"))
    team = models.CharField(pgettext_lazy("vaccination", "team"), max_length=100)
    product = models.CharField(_("vaccine"), max_length=16, choices=PRODUCT_CHOICES)
    lot = models.ForeignKey(
        Lot, null=True, blank=True, on_delete=models.PROTECT, related_name="+", verbose_name=_("lot")
    )
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, on_delete=models.SET_NULL, related_name="+"
    )
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["-day", "-id"]
        verbose_name = _("vaccination session")
        verbose_name_plural = _("vaccination sessions")
        indexes = [models.Index(fields=["day", "id"], name="vacc_session_day")]

    def __str__(self) -> str:
        return f"{self.site} · {self.day:%d/%m/%Y} · {self.get_product_display()}"


class Invitation(models.Model):
    """Someone invited to a session at a slot time (from the priority groups), told by SMS."""

    session = models.ForeignKey(Session, on_delete=models.CASCADE, related_name="invitations")
    person = models.ForeignKey(
        "people.Person", on_delete=models.CASCADE, related_name="+", verbose_name=_("person")
    )
    slot_at = models.DateTimeField(_("slot"))
    group = models.CharField(_("priority group"), max_length=100, blank=True)
    sent_at = models.DateTimeField(_("invitation sent"), null=True, blank=True)

    class Meta:
        ordering = ["slot_at", "id"]
        verbose_name = _("invitation")
        verbose_name_plural = _("invitations")
        constraints = [models.UniqueConstraint(fields=["session", "person"], name="vacc_invitation_once")]

    def __str__(self) -> str:
        return f"{self.person} @ {self.slot_at:%H:%M}"


class Screening(models.Model):
    """What the pre-vaccination screening noted: a contraindication (or a reason to defer)."""

    person = models.ForeignKey(
        "people.Person", on_delete=models.CASCADE, related_name="+", verbose_name=_("person")
    )
    session = models.ForeignKey(Session, null=True, blank=True, on_delete=models.SET_NULL, related_name="+")
    contraindicated = models.BooleanField(_("contraindicated"), default=False)
    note = models.CharField(_("note"), max_length=500)
    at = models.DateTimeField(_("at"))
    by = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, on_delete=models.SET_NULL, related_name="+")

    class Meta:
        ordering = ["-at"]
        verbose_name = _("screening note")
        verbose_name_plural = _("screening notes")
        indexes = [models.Index(fields=["person", "at"], name="vacc_screening_person")]

    def __str__(self) -> str:
        return self.note


class DoseSource(models.TextChoices):
    STATION = "station", _("Vaccinator station")
    API = "api", _("Another system (API)")
    IMPORT = "import", _("Imported history")


class Dose(models.Model):
    """One dose given to one person."""

    person = models.ForeignKey(
        "people.Person", on_delete=models.PROTECT, related_name="+", verbose_name=_("person")
    )
    number = models.PositiveSmallIntegerField(_("dose number"))
    series_doses = models.PositiveSmallIntegerField(_("doses in the series"))
    product = models.CharField(_("vaccine"), max_length=16, choices=PRODUCT_CHOICES)
    lot = models.ForeignKey(
        Lot, null=True, blank=True, on_delete=models.PROTECT, related_name="+", verbose_name=_("lot")
    )
    lot_number = models.CharField(_("lot number"), max_length=40, blank=True)
    given_at = models.DateTimeField(_("given at"))
    site = models.ForeignKey(
        Site,
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="+",
        verbose_name=pgettext_lazy("vaccination", "site"),
    )
    session = models.ForeignKey(
        Session, null=True, blank=True, on_delete=models.PROTECT, related_name="doses"
    )
    given_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, on_delete=models.SET_NULL, related_name="+"
    )
    source = models.CharField(_("source"), max_length=10, choices=DoseSource.choices)
    country = models.CharField(_("country"), max_length=2, default="VN")
    schedule = models.CharField(_("schedule"), max_length=40)
    early_override = models.CharField(_("given early because"), max_length=300, blank=True)
    observe_until = models.DateTimeField(_("observe until"), null=True, blank=True)
    observed_at = models.DateTimeField(_("observation ended"), null=True, blank=True)
    reminded_at = models.DateTimeField(_("next dose reminder sent"), null=True, blank=True)
    # A retried write from another system or an offline station (core.idempotency.scoped_uuid).
    client_id = models.UUIDField(null=True, blank=True, unique=True)
    recorded_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["person", "given_at"]
        verbose_name = _("dose")
        verbose_name_plural = _("doses")
        indexes = [
            models.Index(fields=["person", "given_at"], name="vacc_dose_person"),
            models.Index(fields=["session", "given_at"], name="vacc_dose_session"),
            models.Index(fields=["given_at", "id"], name="vacc_dose_given"),
        ]
        constraints = [
            # A person's dose of a number is recorded once: what stops two stations giving "dose 2" to
            # one card at the same moment when the station's one statement takes no lock (store.py).
            models.UniqueConstraint(fields=["person", "number"], name="vacc_dose_number_once"),
        ]

    def __str__(self) -> str:
        return f"{self.get_product_display()} #{self.number} {self.given_at:%d/%m/%Y}"


class Severity(models.TextChoices):
    MILD = "mild", _("Mild (common reaction)")
    MODERATE = "moderate", _("Moderate")
    SEVERE = "severe", _("Severe (needs treatment)")
    SERIOUS = "serious", _("Serious (hospital, life-threatening)")


class AdverseEvent(models.Model):
    """An adverse event following immunisation (AEFI)."""

    dose = models.ForeignKey(Dose, on_delete=models.CASCADE, related_name="adverse_events")
    severity = models.CharField(_("severity"), max_length=10, choices=Severity.choices)
    description = models.CharField(_("what happened"), max_length=500)
    onset_at = models.DateTimeField(_("onset"))
    recorded_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, on_delete=models.SET_NULL, related_name="+"
    )
    recorded_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["-onset_at"]
        verbose_name = _("adverse event (AEFI)")
        verbose_name_plural = _("adverse events (AEFI)")

    def __str__(self) -> str:
        return f"{self.get_severity_display()}: {self.description}"


class Certificate(models.Model):
    """A certificate issued to a person (EU DCC format), known by its UVCI; the signed code is not kept:
    it is made again from the records when shown."""

    uvci = models.CharField(_("certificate id (UVCI)"), max_length=80, unique=True)
    person = models.ForeignKey(
        "people.Person", on_delete=models.PROTECT, related_name="+", verbose_name=_("person")
    )
    kind = models.CharField(_("kind"), max_length=1)  # v, t, r
    dose = models.ForeignKey(Dose, null=True, blank=True, on_delete=models.PROTECT, related_name="+")
    # what a test or recovery certificate states, in the domain that keeps it ("testing.result:<id>",
    # "cases.case:<id>"): read through that domain's selectors, never as a foreign key across domains
    source = models.CharField(_("source"), max_length=40, blank=True, default="")
    issued_at = models.DateTimeField(_("issued at"))
    expires_at = models.DateTimeField(_("expires at"))
    kid = models.CharField(_("key id"), max_length=16)
    code = models.TextField(_("signed code (HC1)"))
    revoked_at = models.DateTimeField(_("revoked at"), null=True, blank=True)
    revoked_reason = models.CharField(_("revocation reason"), max_length=300, blank=True)
    public_id = models.UUIDField(default=uuid.uuid4, unique=True, editable=False)

    class Meta:
        ordering = ["-issued_at"]
        verbose_name = _("certificate")
        verbose_name_plural = _("certificates")
        indexes = [models.Index(fields=["person", "issued_at"], name="vacc_cert_person")]

    def __str__(self) -> str:
        return self.uvci


class DoorRule(models.Model):
    """A venue's choice to refuse, at its check-in station, people whose health status is red (status.py)."""

    venue = models.OneToOneField(
        "venues.Venue", on_delete=models.CASCADE, related_name="+", verbose_name=_("venue")
    )
    refuse_red = models.BooleanField(_("refuse a red health status"), default=True)
    set_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, on_delete=models.SET_NULL, related_name="+"
    )
    set_at = models.DateTimeField(_("set at"))

    class Meta:
        verbose_name = _("door rule")
        verbose_name_plural = _("door rules")

    def __str__(self) -> str:
        return f"{self.venue}: {self.refuse_red}"


class GroupSource(models.TextChoices):
    IMPORT = "import", _("Imported invitation list")
    STAFF = "staff", _("Set by staff")


class PriorityMember(models.Model):
    """A person's priority group for vaccination (`groups.py`: the versioned list, by code), from an
    imported invitation list or set by staff; the registry's invitation picker filters by it."""

    person = models.ForeignKey(
        "people.Person", on_delete=models.CASCADE, related_name="+", verbose_name=_("person")
    )
    group = models.CharField(_("priority group"), max_length=40)
    group_list = models.CharField(_("list of priority groups"), max_length=40)
    source = models.CharField(_("source"), max_length=10, choices=GroupSource.choices)
    since = models.DateField(_("since"))
    set_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    set_at = models.DateTimeField(_("set at"))

    class Meta:
        ordering = ["person", "group"]
        verbose_name = _("priority group member")
        verbose_name_plural = _("priority group members")
        constraints = [models.UniqueConstraint(fields=["person", "group"], name="vacc_priority_once")]
        indexes = [models.Index(fields=["group", "since", "person"], name="vacc_priority_group")]

    def __str__(self) -> str:
        return f"{self.person_id}: {self.group}"


class QuarantineDays(models.Model):
    """Read model of the quarantine domain's quarantines for the health status (kept by flows.py from
    `quarantine_started` and `quarantine_ended`; vaccination sits below quarantine and never reads its
    tables): an F1 is red from `start` to `end`, the days of quarantine under the policy that placed it
    (not the self-monitoring after them), unless the quarantine ended earlier (`ended_on`)."""

    quarantine_id = models.PositiveBigIntegerField(_("quarantine"), unique=True)
    person = models.ForeignKey(
        "people.Person", on_delete=models.CASCADE, related_name="+", verbose_name=_("person")
    )
    start = models.DateField(_("first day"))
    end = models.DateField(_("last day of quarantine"), null=True, blank=True)  # None: the policy asks none
    ended_on = models.DateField(_("ended on"), null=True, blank=True)

    class Meta:
        verbose_name = _("quarantine days")
        verbose_name_plural = _("quarantine days")
        indexes = [models.Index(fields=["person", "start"], name="vaccination_qdays_person")]

    def __str__(self) -> str:
        return f"{self.person_id}: {self.start} – {self.end or '—'}"
