from django.conf import settings
from django.db import models
from django.db.models import Q
from django.utils.translation import gettext_lazy as _

from . import rules, workflow


class Category(models.TextChoices):
    F0_CARE = rules.F0_CARE, _("F0 needing care")
    EMERGENCY = rules.EMERGENCY, _("Emergency")
    SUPPLIES = rules.SUPPLIES, _("Food and supplies")
    PERMITS = rules.PERMITS, _("Permits")
    TEST_RESULTS = rules.TEST_RESULTS, _("Test results")
    VACCINATION = rules.VACCINATION, _("Vaccination")
    VIOLATION = rules.VIOLATION, _("Report a violation")
    OTHER = rules.OTHER, _("Other")


class Priority(models.IntegerChoices):
    URGENT = rules.URGENT, _("Urgent")
    HIGH = rules.HIGH, _("High")
    NORMAL = rules.NORMAL, _("Normal")
    LOW = rules.LOW, _("Low")


class Source(models.TextChoices):
    CALL = rules.CALL, _("Phone call")
    WEB = rules.WEB, _("Web form")
    SYSTEM = rules.SYSTEM, _("Raised by EpiQR")


class Status(models.TextChoices):
    NEW = workflow.NEW, _("New")
    ASSIGNED = workflow.ASSIGNED, _("Assigned to a team")
    IN_PROGRESS = workflow.IN_PROGRESS, _("In progress")
    RESOLVED = workflow.RESOLVED, _("Resolved")
    CANCELLED = workflow.CANCELLED, _("Cancelled")


class TeamKind(models.TextChoices):
    CENTRE = rules.TEAM_CENTRE, _("1022 centre")
    COMMUNE = rules.TEAM_COMMUNE, _("Commune / ward team")
    AREA = rules.TEAM_AREA, _("Area team (several communes)")
    MEDICAL = rules.TEAM_MEDICAL, _("Medical team")
    VOLUNTEER = rules.TEAM_VOLUNTEER, _("Volunteer group")


OPEN_Q = Q(status__in=workflow.OPEN)


class Team(models.Model):
    """A team that takes requests: the province's 1022 centre, a commune team, a medical team, a
    volunteer group. `parent` is the next level up: an overdue request escalates to it."""

    name = models.CharField(_("name"), max_length=120)
    kind = models.CharField(_("kind"), max_length=12, choices=TeamKind.choices)
    province = models.ForeignKey(
        "geo.Province", on_delete=models.PROTECT, related_name="+", verbose_name=_("province")
    )
    commune = models.ForeignKey(
        "geo.Commune",
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="+",
        verbose_name=_("commune"),
        help_text=_("Empty for a team serving the whole province."),
    )
    parent = models.ForeignKey(
        "self",
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="children",
        verbose_name=_("escalates to"),
    )
    phone = models.CharField(_("phone"), max_length=16, blank=True)
    is_active = models.BooleanField(_("active"), default=True)
    members = models.ManyToManyField(
        settings.AUTH_USER_MODEL, through="TeamMember", related_name="+", verbose_name=_("members")
    )

    class Meta:
        ordering = ["province", "kind", "name"]
        verbose_name = _("hotline team")
        verbose_name_plural = _("hotline teams")

    def __str__(self) -> str:
        return self.name


class TeamMember(models.Model):
    team = models.ForeignKey(
        Team, on_delete=models.CASCADE, related_name="memberships", verbose_name=_("team")
    )
    user = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="+", verbose_name=_("user")
    )
    is_lead = models.BooleanField(_("team lead"), default=False)

    class Meta:
        verbose_name = _("team member")
        verbose_name_plural = _("team members")
        constraints = [models.UniqueConstraint(fields=["team", "user"], name="hotline_member_once")]

    def __str__(self) -> str:
        return f"{self.user} @ {self.team}"


class Ticket(models.Model):
    """A request (phiếu) to the hotline: from a call, the citizen web form, or raised by EpiQR itself."""

    source = models.CharField(_("source"), max_length=8, choices=Source.choices)
    category = models.CharField(_("category"), max_length=16, choices=Category.choices)
    priority = models.PositiveSmallIntegerField(_("priority"), choices=Priority.choices)
    priority_reason = models.CharField(_("why this priority"), max_length=120, blank=True)
    rules = models.CharField(_("rules used"), max_length=40)  # rules.RuleSet.label
    status = models.CharField(_("status"), max_length=12, choices=Status.choices, default=Status.NEW)
    caller_name = models.CharField(_("caller's name"), max_length=120, blank=True)
    phone = models.CharField(_("phone"), max_length=16, blank=True)
    phone_verified = models.BooleanField(_("phone proved by a code"), default=False)
    province = models.ForeignKey(
        "geo.Province", null=True, blank=True, on_delete=models.PROTECT, related_name="+",
        verbose_name=_("province"),
    )  # fmt: skip
    commune = models.ForeignKey(
        "geo.Commune", null=True, blank=True, on_delete=models.PROTECT, related_name="+",
        verbose_name=_("commune"),
    )  # fmt: skip
    address = models.CharField(_("address"), max_length=255, blank=True)
    description = models.TextField(_("request"), max_length=4000)
    warning_sign = models.BooleanField(_("warning sign"), default=False)
    vulnerable = models.BooleanField(_("vulnerable person"), default=False)
    severity = models.PositiveSmallIntegerField(_("alert severity"), default=0)
    team = models.ForeignKey(
        Team, null=True, blank=True, on_delete=models.PROTECT, related_name="tickets", verbose_name=_("team")
    )
    assignee = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+",
        verbose_name=_("taken by"),
    )  # fmt: skip
    level = models.PositiveSmallIntegerField(_("escalation level"), default=0)
    due_at = models.DateTimeField(_("deadline"))
    # The deadline this ticket was last escalated for: the scheduler escalates once per deadline.
    escalated_due_at = models.DateTimeField(_("escalated for the deadline of"), null=True, blank=True)
    person = models.ForeignKey(
        "people.Person", null=True, blank=True, on_delete=models.PROTECT, related_name="+",
        verbose_name=_("person"),
    )  # fmt: skip
    case = models.ForeignKey(
        "cases.Case", null=True, blank=True, on_delete=models.PROTECT, related_name="+",
        verbose_name=_("case (F0)"),
    )  # fmt: skip
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+",
        verbose_name=_("taken by operator"),
    )  # fmt: skip
    created_at = models.DateTimeField(_("created"))
    resolved_at = models.DateTimeField(_("closed at"), null=True, blank=True)
    resolution = models.CharField(_("resolution"), max_length=1000, blank=True)
    # What raised it, for tickets EpiQR raises itself ("care_warning:<event>"): raised once per alert.
    system_key = models.CharField(max_length=120, null=True, blank=True, unique=True)
    # The source of a run of alerts ("camera:<id>", "quarantine:<id>"): while a request it raised is open,
    # its next alerts go into that request's history (one open request per camera or quarantine).
    origin = models.CharField(max_length=40, blank=True, default="", db_default="")
    # The care domain's routing proposed for an urgent medical request (services.ticket_route).
    routing = models.ForeignKey(
        "care.Routing", null=True, blank=True, on_delete=models.SET_NULL, related_name="+",
        verbose_name=_("care routing"),
    )  # fmt: skip

    class Meta:
        ordering = ["priority", "due_at", "id"]
        verbose_name = _("hotline request")
        verbose_name_plural = _("hotline requests")
        # The queues (selectors.QUEUE) read open tickets only, most urgent first then by deadline, for a
        # province (operators), a team (team officers) or a commune; the counts per team and priority
        # (selectors.queue_counts) read the province index alone. Closed tickets are in none of them.
        indexes = [
            models.Index(fields=["priority", "due_at", "id"], condition=OPEN_Q, name="ticket_open"),
            models.Index(
                fields=["province", "priority", "due_at", "id"], condition=OPEN_Q, name="ticket_open_province"
            ),
            models.Index(
                fields=["team", "priority", "due_at", "id"], condition=OPEN_Q, name="ticket_open_team"
            ),
            models.Index(
                fields=["commune", "priority", "due_at", "id"], condition=OPEN_Q, name="ticket_open_commune"
            ),
            models.Index(
                fields=["province", "team", "priority", "due_at"], condition=OPEN_Q, name="ticket_open_counts"
            ),
            # The intake queue (new: no team yet; the console's "Intake" link is ?status=new), its page
            # and its bounded count read from this index alone, not 10,000 rows of the province's queue.
            models.Index(
                fields=["province", "priority", "due_at", "id"],
                condition=Q(status=workflow.NEW),
                name="ticket_intake",
            ),
            # The scheduler's sweep of tickets past their deadline.
            models.Index(fields=["due_at"], condition=OPEN_Q, name="ticket_open_due"),
            models.Index(fields=["phone", "created_at"], name="ticket_phone"),
            models.Index(fields=["person", "created_at"], name="ticket_person"),
            models.Index(fields=["origin"], condition=OPEN_Q & ~Q(origin=""), name="ticket_open_origin"),
            # Every ticket of an area, newest first (the list of all requests) and statistics per team.
            models.Index(fields=["province", "created_at", "id"], name="ticket_province_created"),
            models.Index(fields=["team", "created_at", "id"], name="ticket_team_created"),
            models.Index(fields=["team", "resolved_at"], name="ticket_team_resolved"),
        ]

    def __str__(self) -> str:
        return f"#{self.pk} {self.get_category_display()}"

    @property
    def number(self) -> str:
        return str(self.pk)

    @property
    def is_open(self) -> bool:
        return self.status in workflow.OPEN


class EventKind(models.TextChoices):
    CREATED = "created", _("Filed")
    STATUS = "status", _("Status changed")
    ASSIGNED = "assigned", _("Team changed")
    NOTE = "note", _("Note")
    ESCALATED = "escalated", _("Escalated")
    LINKED = "linked", _("Linked to a person")
    SMS = "sms", _("SMS to the caller")
    ALERT = "alert", _("New alert")
    ROUTING = "routing", _("Care routing")


class TicketEvent(models.Model):
    """One line of a ticket's history: every status change, team change, note, escalation and SMS."""

    ticket = models.ForeignKey(
        Ticket, on_delete=models.CASCADE, related_name="history", verbose_name=_("request")
    )
    kind = models.CharField(_("kind"), max_length=10, choices=EventKind.choices)
    from_status = models.CharField(_("from"), max_length=12, blank=True, choices=Status.choices)
    to_status = models.CharField(_("to"), max_length=12, blank=True, choices=Status.choices)
    team = models.ForeignKey(
        Team, null=True, blank=True, on_delete=models.SET_NULL, related_name="+", verbose_name=_("team")
    )
    level = models.PositiveSmallIntegerField(_("escalation level"), default=0)
    text = models.CharField(_("text"), max_length=2000, blank=True)
    by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+",
        verbose_name=_("by"),
    )  # fmt: skip
    at = models.DateTimeField(_("at"))

    class Meta:
        ordering = ["at", "id"]
        verbose_name = _("request history")
        verbose_name_plural = _("request history")
        indexes = [models.Index(fields=["ticket", "at"], name="ticket_event_ticket")]

    def __str__(self) -> str:
        return f"#{self.ticket_id} {self.get_kind_display()}"
