from django.conf import settings
from django.db import models
from django.utils.translation import gettext_lazy as _


class Sector(models.TextChoices):
    HEALTH = "health", _("Cơ sở y tế")
    SCHOOL = "school", _("Trường học")
    LODGING = "lodging", _("Cơ sở lưu trú")
    RETAIL = "retail", _("Chợ, trung tâm thương mại, cửa hàng")
    FOOD = "food", _("Nhà hàng, quán ăn, cà phê")
    WORKPLACE = "workplace", _("Cơ quan, văn phòng, nhà máy")
    TRANSPORT = "transport", _("Nhà ga, bến xe, sân bay")
    RELIGIOUS = "religious", _("Cơ sở tôn giáo, tín ngưỡng")
    EVENT = "event", _("Sự kiện")
    OTHER = "other", _("Khác")


# The department that answers for venues of each sector (Hanoi's 2021 assignment of QR roll-out).
SECTOR_AGENCY = {
    Sector.HEALTH: _("Sở Y tế"),
    Sector.SCHOOL: _("Sở Giáo dục và Đào tạo"),
    Sector.LODGING: _("Sở Du lịch"),
    Sector.RETAIL: _("Sở Công Thương"),
    Sector.FOOD: _("Sở Công Thương"),
    Sector.WORKPLACE: _("Sở Nội vụ / Ban quản lý khu công nghiệp"),
    Sector.TRANSPORT: _("Sở Giao thông vận tải"),
    Sector.RELIGIOUS: _("Ban Tôn giáo"),
    Sector.EVENT: _("Sở Văn hóa và Thể thao"),
    Sector.OTHER: _("UBND xã/phường"),
}


class Venue(models.Model):
    """A place (or an event) where people check in by scanning its poster."""

    code = models.CharField(_("mã địa điểm"), max_length=12, unique=True)
    name = models.CharField(_("tên địa điểm"), max_length=200)
    name_folded = models.CharField(max_length=200, db_index=True)
    sector = models.CharField(_("loại hình"), max_length=16, choices=Sector.choices, default=Sector.OTHER)
    address = models.CharField(_("địa chỉ"), max_length=255)
    commune = models.ForeignKey(
        "geo.Commune", on_delete=models.PROTECT, related_name="+", verbose_name=_("xã/phường")
    )
    capacity = models.PositiveIntegerField(_("sức chứa"), null=True, blank=True)
    phone = models.CharField(_("điện thoại liên hệ"), max_length=16, blank=True)
    owner = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="owned_venues",
    )
    starts_at = models.DateTimeField(_("bắt đầu (sự kiện)"), null=True, blank=True)
    ends_at = models.DateTimeField(_("kết thúc (sự kiện)"), null=True, blank=True)
    # Part of the signed token: bumping it (a reprint) makes every earlier poster invalid.
    token_generation = models.PositiveIntegerField(default=1)
    is_active = models.BooleanField(default=True)
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        ordering = ["name"]
        verbose_name = _("địa điểm")
        verbose_name_plural = _("địa điểm")
        indexes = [models.Index(fields=["commune", "sector"])]

    def __str__(self) -> str:
        return self.name

    @property
    def agency(self) -> str:
        return str(SECTOR_AGENCY.get(self.sector, SECTOR_AGENCY[Sector.OTHER]))
