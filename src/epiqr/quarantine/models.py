from django.conf import settings
from django.db import models
from django.utils.translation import gettext_lazy as _


class Status(models.TextChoices):
    ACTIVE = "active", _("In quarantine or self-monitoring")
    ENDED = "ended", _("Ended")
    BECAME_CASE = "became_case", _("Became a case")


class Quarantine(models.Model):
    """A traced contact's quarantine, placed by the policy in force (policy.py): its days, the test days
    it asks for, the reasons in words (`reasons`, as policy.Reason codes and values) and its end."""

    contact = models.OneToOneField(
        "tracing.Contact", on_delete=models.CASCADE, related_name="+", verbose_name=_("contact")
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
    source_case = models.ForeignKey(
        "cases.Case", on_delete=models.PROTECT, related_name="+", verbose_name=_("exposed by (F0)")
    )
    degree = models.PositiveSmallIntegerField(_("degree"), default=1)
    policy = models.CharField(_("policy"), max_length=40)
    regime = models.CharField(_("regime"), max_length=10)
    last_exposure = models.DateField(_("last exposure"))
    start = models.DateField(_("first day"))
    end = models.DateField(_("last day of quarantine"), null=True, blank=True)
    monitor_until = models.DateField(_("self-monitoring until"), null=True, blank=True)
    follow_until = models.DateField(_("followed until"))
    test_days = models.JSONField(_("test days"), default=list)
    reasons = models.JSONField(_("reasons"), default=list)
    status = models.CharField(_("status"), max_length=12, choices=Status.choices, default=Status.ACTIVE)
    symptoms_at = models.DateTimeField(_("symptoms reported at"), null=True, blank=True)
    new_case = models.ForeignKey(
        "cases.Case",
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
        verbose_name=_("case opened"),
    )
    placed_at = models.DateTimeField(_("placed at"), auto_now_add=True)
    placed_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
        verbose_name=_("placed by"),
    )
    ended_on = models.DateField(_("ended on"), null=True, blank=True)
    # The member of the commune team who follows this contact (calls, diary): set at placement by the
    # round-robin of services.assignee_default, changed by an officer of the area (quarantines_assign).
    assignee = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
        verbose_name=_("assigned to"),
    )

    class Meta:
        ordering = ["-start", "-id"]
        verbose_name = _("quarantine")
        verbose_name_plural = _("quarantines")
        indexes = [
            models.Index(fields=["status", "commune", "start", "id"], name="quarantine_commune"),
            models.Index(fields=["person", "status"], name="quarantine_person"),
            # The sorts of the list (selectors.QUARANTINES).
            models.Index(fields=["start", "id"], name="quarantine_start"),
            models.Index(fields=["follow_until", "id"], name="quarantine_follow_until"),
            models.Index(fields=["assignee", "status"], name="quarantine_assignee"),
        ]

    def __str__(self) -> str:
        return _("Quarantine of contact #%(contact)s") % {"contact": self.contact_id}


class Symptom(models.TextChoices):
    """The symptoms a diary asks about (those CV 1909/BYT-DP lists for a contact to report)."""

    FEVER = "fever", _("Fever")
    COUGH = "cough", _("Cough")
    SORE_THROAT = "sore_throat", _("Sore throat")
    BREATHLESS = "breathless", _("Shortness of breath")
    SMELL_TASTE = "smell_taste", _("Loss of smell or taste")
    FATIGUE = "fatigue", _("Tiredness, body aches")
    RUNNY_NOSE = "runny_nose", _("Runny or stuffy nose")
    DIARRHOEA = "diarrhoea", _("Nausea, vomiting, diarrhoea")


FEVER_FROM = 37.5  # °C: a temperature from which the diary counts fever even when it is not ticked


class Source(models.TextChoices):
    SELF = "self", _("By the contact (phone)")
    CALL = "call", _("By the commune team (call)")


class DiaryEntry(models.Model):
    """One day of a contact's symptom diary (one per day; a later entry the same day replaces it)."""

    quarantine = models.ForeignKey(
        Quarantine, on_delete=models.CASCADE, related_name="diary", verbose_name=_("quarantine")
    )
    day = models.DateField(_("day"))
    symptoms = models.JSONField(_("symptoms"), default=list)
    temperature = models.DecimalField(
        _("temperature (°C)"), max_digits=3, decimal_places=1, null=True, blank=True
    )
    note = models.CharField(_("note"), max_length=300, blank=True)
    source = models.CharField(_("filled by"), max_length=5, choices=Source.choices)
    by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
        verbose_name=_("by"),
    )
    at = models.DateTimeField(_("at"), auto_now=True)

    class Meta:
        ordering = ["day", "id"]
        verbose_name = _("diary entry")
        verbose_name_plural = _("diary entries")
        constraints = [models.UniqueConstraint(fields=["quarantine", "day"], name="quarantine_diary_day")]

    def __str__(self) -> str:
        return f"{self.quarantine_id} {self.day}"


class Outcome(models.TextChoices):
    REACHED = "reached", _("Reached")
    NO_ANSWER = "no_answer", _("No answer")
    WRONG_NUMBER = "wrong_number", _("Wrong number")


class Call(models.Model):
    """A call of the commune team to a contact in quarantine: who called whom, when, what came of it."""

    quarantine = models.ForeignKey(
        Quarantine, on_delete=models.CASCADE, related_name="calls", verbose_name=_("quarantine")
    )
    by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        null=True,
        on_delete=models.SET_NULL,
        related_name="+",
        verbose_name=_("called by"),
    )
    at = models.DateTimeField(_("at"), auto_now_add=True)
    outcome = models.CharField(_("outcome"), max_length=12, choices=Outcome.choices)
    note = models.CharField(_("note"), max_length=300, blank=True)

    class Meta:
        ordering = ["-at", "-id"]
        verbose_name = _("call")
        verbose_name_plural = _("calls")
        indexes = [models.Index(fields=["at", "id"], name="quarantine_call_at")]

    def __str__(self) -> str:
        return f"{self.quarantine_id} {self.at:%Y-%m-%d %H:%M}"


class HistoryKind(models.TextChoices):
    NEGATIVE_TEST = "negative_test", _("Negative test")
    RULED_OUT = "ruled_out", _("Ruled out: not a contact")
    REMINDER = "reminder", _("Diary reminder sent")
    DIARY_MISSED = "diary_missed", _("Two diary days missed: officer told")
    ASSIGNED = "assigned", _("Assigned")


class History(models.Model):
    """What happened to a quarantine besides its diary and calls, with the reason in words: a negative test
    (and whether it changed the days), a contact ruled out, the sweep's reminders and alerts (one per
    quarantine, kind and day: the sweep may run twice)."""

    quarantine = models.ForeignKey(
        Quarantine, on_delete=models.CASCADE, related_name="history", verbose_name=_("quarantine")
    )
    kind = models.CharField(_("what"), max_length=16, choices=HistoryKind.choices)
    day = models.DateField(_("day"), null=True, blank=True)
    text = models.CharField(_("reason"), max_length=500, blank=True)
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
        verbose_name = _("quarantine history")
        verbose_name_plural = _("quarantine history")
        constraints = [
            models.UniqueConstraint(
                fields=["quarantine", "kind", "day"],
                condition=models.Q(kind__in=["reminder", "diary_missed"]),
                name="quarantine_chase_once",
            )
        ]

    def __str__(self) -> str:
        return f"{self.quarantine_id} {self.kind} {self.day or ''}"
