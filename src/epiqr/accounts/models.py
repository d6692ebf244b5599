from django.contrib.auth.models import AbstractUser
from django.db import models
from django.utils.translation import gettext_lazy as _

from epiqr.core.permissions import Role


class OrgKind(models.TextChoices):
    VENUE = "venue", _("Venue")
    LAB = "lab", _("Laboratory")
    FACILITY = "facility", _("Treatment facility")
    CHECKPOINT = "checkpoint", _("Checkpoint")
    SAMPLING_SITE = "sampling_site", _("Sampling site")
    ORGANISATION = "organisation", _("Organisation (movement permits)")


class User(AbstractUser):
    """A staff (or venue) account with one role and one scope.

    The scope is a jurisdiction (a province, or a commune within it) or an organisation (kind + id).
    Officers see only what falls inside their jurisdiction; organisation staff only their organisation.
    """

    role = models.CharField(_("role"), max_length=32, choices=Role.CHOICES, default=Role.VENUE_OWNER)
    phone = models.CharField(_("phone"), max_length=20, blank=True)
    province = models.ForeignKey(
        "geo.Province",
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="+",
        verbose_name=_("province"),
    )
    commune = models.ForeignKey(
        "geo.Commune",
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="+",
        verbose_name=_("commune"),
    )
    org_kind = models.CharField(_("organisation kind"), max_length=20, choices=OrgKind.choices, blank=True)
    org_id = models.PositiveBigIntegerField(_("organisation id"), null=True, blank=True)

    class Meta:
        verbose_name = _("user")
        verbose_name_plural = _("users")

    def __str__(self) -> str:
        return self.get_full_name() or self.username

    def get_full_name(self) -> str:
        """Vietnamese order: family and middle names (last_name) before the given name (first_name)."""
        return f"{self.last_name} {self.first_name}".strip()


class ApiToken(models.Model):
    """A bearer token for one user or one of their devices; only a hash of the secret is stored."""

    user = models.ForeignKey(
        User, on_delete=models.CASCADE, related_name="api_tokens", verbose_name=_("user")
    )
    name = models.CharField(_("device name"), max_length=100, default="default")
    prefix = models.CharField(max_length=12, unique=True, verbose_name=_("prefix"))
    secret_hash = models.CharField(max_length=64, verbose_name=_("secret (hash)"))
    created_at = models.DateTimeField(auto_now_add=True, verbose_name=_("created"))
    last_used_at = models.DateTimeField(null=True, blank=True, verbose_name=_("last used"))
    revoked_at = models.DateTimeField(null=True, blank=True, verbose_name=_("revoked"))

    class Meta:
        ordering = ["-created_at"]
        verbose_name = _("API token")
        verbose_name_plural = _("API tokens")

    def __str__(self) -> str:
        return f"{self.user} / {self.name} ({self.prefix})"
