from django.db import models
from django.utils.translation import gettext_lazy as _


class Province(models.Model):
    """A province or centrally-run city (34 since 1 July 2025); `code` is the official code."""

    code = models.PositiveIntegerField(primary_key=True, verbose_name=_("code"))
    name = models.CharField(max_length=100, verbose_name=_("name"))
    name_folded = models.CharField(max_length=100, db_index=True, verbose_name=_("name without diacritics"))
    division_type = models.CharField(max_length=40, verbose_name=_("kind of unit"))

    class Meta:
        ordering = ["name"]
        verbose_name = _("province")
        verbose_name_plural = _("provinces")

    def __str__(self) -> str:
        return self.name


class Commune(models.Model):
    """A commune, ward or special zone (xã, phường, đặc khu): the lower of the two levels."""

    code = models.PositiveIntegerField(primary_key=True, verbose_name=_("code"))
    name = models.CharField(max_length=100, verbose_name=_("name"))
    name_folded = models.CharField(max_length=100, db_index=True, verbose_name=_("name without diacritics"))
    division_type = models.CharField(max_length=40, verbose_name=_("kind of unit"))
    province = models.ForeignKey(
        Province, on_delete=models.PROTECT, related_name="communes", verbose_name=_("province")
    )

    class Meta:
        ordering = ["province__name", "name"]
        verbose_name = _("commune")
        verbose_name_plural = _("communes")

    def __str__(self) -> str:
        return f"{self.name}, {self.province.name}"


class FormerName(models.Model):
    """A commune, ward or town name from before the 1 July 2025 reorganisation (districts were abolished
    and most communes merged), with the commune that took its area. People still say "Hàng Trống"; a
    former commune split between several new ones has a row for each of them (`whole` is then False)."""

    commune = models.ForeignKey(
        Commune, on_delete=models.CASCADE, related_name="former_names", verbose_name=_("commune now")
    )
    name = models.CharField(max_length=100, verbose_name=_("former name"))  # "Phường Hàng Trống"
    district = models.CharField(
        max_length=100, blank=True, verbose_name=_("former district")
    )  # "Quận Hoàn Kiếm"
    province_name = models.CharField(
        max_length=100, verbose_name=_("former province")
    )  # the province it belonged to then
    name_folded = models.CharField(max_length=100, db_index=True, verbose_name=_("name without diacritics"))
    search_folded = models.CharField(
        max_length=320, verbose_name=_("search text")
    )  # name, district and province, folded
    whole = models.BooleanField(default=True, verbose_name=_("taken over whole"))

    class Meta:
        ordering = ["name"]
        verbose_name = _("former commune name")
        verbose_name_plural = _("former commune names")
        constraints = [
            models.UniqueConstraint(
                fields=["commune", "name", "district", "province_name"], name="former_name_once"
            )
        ]

    def __str__(self) -> str:
        return f"{self.name}, {self.district} → {self.commune.name}" if self.district else self.name
