from functools import cached_property

from django.conf import settings
from django.db import models
from django.db.models import F, Q
from django.utils.translation import gettext_lazy as _

from .exposures import StoredExposure, unpack


class TracingPolicy(models.Model):
    """A contact definition as versioned data (see tracing.engine.Policy for the parameters).

    Runs pick a policy by name, or the default policy in force on the case's first infectious day
    (the latest `effective_from` not after that day among policies with `is_default`).
    """

    name = models.CharField(_("name"), max_length=40)
    version = models.PositiveIntegerField(_("version"), default=1)
    effective_from = models.DateField(_("effective from"))
    rule = models.CharField(_("rule"), max_length=10)
    params = models.JSONField(_("parameters"), default=dict)
    description = models.CharField(_("description"), max_length=300, blank=True)
    is_default = models.BooleanField(_("chosen by date"), default=False)

    class Meta:
        ordering = ["name", "-version"]
        verbose_name = _("tracing policy")
        verbose_name_plural = _("tracing policies")
        constraints = [models.UniqueConstraint(fields=["name", "version"], name="tracing_policy_version")]

    def __str__(self) -> str:
        return f"{self.name} v{self.version}"


class RunStatus(models.TextChoices):
    REVIEW = "review", _("Awaiting the officer's review")
    REVIEWED = "reviewed", _("Reviewed")


class TracingRun(models.Model):
    """One search for a case's contacts, with the policy snapshot it used and what it found."""

    case = models.ForeignKey(
        "cases.Case", on_delete=models.CASCADE, related_name="tracing_runs", verbose_name=_("case")
    )
    policy = models.ForeignKey(
        TracingPolicy, null=True, on_delete=models.SET_NULL, related_name="+", verbose_name=_("policy")
    )
    policy_snapshot = models.JSONField(default=dict, verbose_name=_("policy used"))
    degree = models.PositiveSmallIntegerField(_("degree"), default=1)
    period_start = models.DateTimeField(_("infectious from"))
    period_end = models.DateTimeField(_("infectious until"))
    ran_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
        verbose_name=_("ran by"),
    )
    ran_at = models.DateTimeField(_("ran at"), auto_now_add=True)
    trigger = models.CharField(_("trigger"), max_length=20, default="manual")
    status = models.CharField(
        max_length=10, choices=RunStatus.choices, default=RunStatus.REVIEWED, verbose_name=_("status")
    )
    previous = models.ForeignKey(
        "self",
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
        verbose_name=_("previous run"),
    )
    index_visits = models.JSONField(default=list, verbose_name=_("visits of the case"))
    changes = models.JSONField(default=dict, blank=True, verbose_name=_("changes since the previous run"))
    contact_count = models.PositiveIntegerField(default=0, verbose_name=_("contacts"))
    skipped_cases = models.JSONField(default=list, blank=True, verbose_name=_("cases left out"))

    class Meta:
        ordering = ["-ran_at", "-id"]
        verbose_name = _("tracing run")
        verbose_name_plural = _("tracing runs")
        # The sorts of the runs list (tracing.selectors.RUNS).
        indexes = [
            models.Index(fields=["ran_at", "id"], name="run_ran_at"),
            models.Index(fields=["contact_count", "id"], name="run_contact_count"),
        ]

    def __str__(self) -> str:
        return _("Run #%(run)s, F0 #%(case)s") % {"run": self.pk, "case": self.case_id}


class ContactPackQuerySet(models.QuerySet):
    def pending(self) -> "ContactPackQuerySet":
        """Packs not filed whole yet (ContactPack.pending, as a query)."""
        return self.filter(filed__lt=F("total"))


class ContactPack(models.Model):
    """A large run's F2 as run_create stored it, packed (tracing/packs.py), until it is filed into
    Contact rows: `filed` of `total` so far, a chunk per transaction (services.run_contacts_file). Kept
    once filed, without its data, so that a reader of the replica can tell whether it has the rows."""

    run = models.OneToOneField(
        TracingRun, on_delete=models.CASCADE, primary_key=True, related_name="pack", verbose_name=_("run")
    )
    total = models.PositiveIntegerField(_("contacts packed"))
    filed = models.PositiveIntegerField(_("contacts filed"), default=0)
    data = models.BinaryField(default=bytes, editable=False)
    filed_at = models.DateTimeField(_("filed at"), null=True, blank=True)

    objects = ContactPackQuerySet.as_manager()

    class Meta:
        verbose_name = _("packed contacts of a run")
        verbose_name_plural = _("packed contacts of runs")

    def __str__(self) -> str:
        return f"{self.run_id}: {self.filed}/{self.total}"

    @property
    def pending(self) -> bool:
        return self.filed < self.total


class FollowUp(models.TextChoices):
    TO_CALL = "to_call", _("To call")
    REACHED = "reached", _("Reached")
    UNREACHABLE = "unreachable", _("Unreachable")
    QUARANTINED = "quarantined", _("Quarantined")
    TESTED = "tested", _("Tested")
    NEGATIVE = "negative", _("Negative")
    POSITIVE = "positive", _("Positive")


class Contact(models.Model):
    """A person found by a run, at their lowest degree; followed up by their commune's health station.

    Its exposures (the meetings that made it a contact) are packed on the row (`exposure_data`, see
    tracing/exposures.py) and the venues met kept as text (`venues_text`). A run is written whole by
    run_create in one transaction, straight from the tracing columns (an F2 run can name 100,000 people):
    the references to people, communes, the run and the new case are kept by the ORM (PROTECT, SET_NULL; a run's contacts go with
    it, services.run_contacts_delete) and by that writer, not by database constraints, whose deferred per-row checks
    cost the officer more than the writing itself. Every index the lists use stays.
    """

    # Deleted with their run by services.run_contacts_delete (in chunks: an F2 run holds more contacts than one
    # statement may name), not by the ORM's cascade.
    run = models.ForeignKey(
        TracingRun, on_delete=models.DO_NOTHING, related_name="contacts", db_constraint=False, db_index=False
    )
    # Indexed by the unique (person, run) below, which starts with it.
    person = models.ForeignKey(
        "people.Person", on_delete=models.PROTECT, related_name="+", db_constraint=False, db_index=False
    )
    degree = models.PositiveSmallIntegerField(_("degree"))
    risk = models.CharField(_("risk"), max_length=8)
    overlap_minutes = models.FloatField(_("overlap (minutes)"), default=0)
    first_exposed_at = models.DateTimeField(_("first exposed at"))
    commune = models.ForeignKey(
        "geo.Commune",
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="+",
        db_constraint=False,
        db_index=False,
    )
    status = models.CharField(max_length=12, choices=FollowUp.choices, default=FollowUp.TO_CALL)
    status_changed_at = models.DateTimeField(null=True, blank=True)
    # Set when a contact becomes a case, or carried over by a re-run: no database constraint either (its
    # deferred check was queued for every contact written, mostly empty); the ORM's SET_NULL stays.
    new_case = models.ForeignKey(
        "cases.Case",
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
        db_index=False,
        db_constraint=False,
    )
    exposure_data = models.BinaryField(default=bytes, editable=False)
    venues_text = models.TextField(default="", editable=False)

    class Meta:
        ordering = ["degree", "first_exposed_at", "id"]
        # Person first: it also serves "where was this person a contact" (one index fewer to write for
        # each of a run's contacts); a run's own reads use the indexes below, which start with the run.
        constraints = [models.UniqueConstraint(fields=["person", "run"], name="tracing_contact_once")]
        indexes = [
            models.Index(fields=["commune", "status"]),
            # The sorts of a run's contact list (tracing.selectors.CONTACTS), so that a page of a
            # 250,000-contact run is read in index order instead of sorting the run.
            models.Index(
                fields=["run", "degree", "risk", "first_exposed_at", "id"], name="contact_run_priority"
            ),
            models.Index(fields=["run", "first_exposed_at", "id"], name="contact_run_exposed"),
            # Almost every contact has none: only those who became cases are indexed.
            models.Index(fields=["new_case"], name="contact_new_case", condition=Q(new_case__isnull=False)),
        ]

    def __str__(self) -> str:
        return _("F%(degree)s %(person)s (run #%(run)s)") % {
            "degree": self.degree,
            "person": self.person_id,
            "run": self.run_id,
        }

    @cached_property
    def exposures(self) -> list[StoredExposure]:
        """The meetings that made this contact, in the engine's order (venues attached by
        selectors.contacts_with_exposures)."""
        return unpack(self.exposure_data)


class StatusChange(models.Model):
    """History of a contact's follow-up status, written by the one transition guard."""

    contact = models.ForeignKey(Contact, on_delete=models.CASCADE, related_name="history")
    from_status = models.CharField(max_length=12)
    to_status = models.CharField(max_length=12)
    note = models.CharField(max_length=300, blank=True)
    by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["at", "id"]

    def __str__(self) -> str:
        return f"{self.contact_id}: {self.from_status} -> {self.to_status}"
