from django.conf import settings
from django.db import models
from django.utils.translation import gettext_lazy as _


class CaseStatus(models.TextChoices):
    ACTIVE = "active", _("Đang điều trị / cách ly")
    RECOVERED = "recovered", _("Đã khỏi")
    DECEASED = "deceased", _("Tử vong")
    CLOSED = "closed", _("Đã đóng (hủy)")


class Case(models.Model):
    """A confirmed case (F0). The infectious period is derived by policy unless an officer overrides it."""

    person = models.ForeignKey("people.Person", on_delete=models.PROTECT, related_name="cases")
    confirmed_on = models.DateField(_("ngày xác định"))
    onset_on = models.DateField(_("ngày khởi phát triệu chứng"), null=True, blank=True)
    sample_on = models.DateField(_("ngày lấy mẫu dương tính"), null=True, blank=True)
    isolated_at = models.DateTimeField(_("thời điểm cách ly"), null=True, blank=True)
    infectious_from_override = models.DateTimeField(null=True, blank=True)
    infectious_until_override = models.DateTimeField(null=True, blank=True)
    override_reason = models.CharField(max_length=500, blank=True)
    status = models.CharField(max_length=16, choices=CaseStatus.choices, default=CaseStatus.ACTIVE)
    source = models.CharField(_("nguồn"), max_length=40, blank=True, help_text=_("manual, lab, contact, api"))
    commune = models.ForeignKey(
        "geo.Commune", null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    opened_by = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL)
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["-confirmed_on", "-id"]
        verbose_name = _("ca bệnh (F0)")
        verbose_name_plural = _("ca bệnh (F0)")

    def __str__(self) -> str:
        return f"F0 #{self.pk} {self.person}"
