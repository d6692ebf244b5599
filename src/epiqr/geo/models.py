from django.db import models
from django.utils.translation import gettext_lazy as _


class Province(models.Model):
    """A province or centrally-run city (34 since 1 July 2025); `code` is the official code."""

    code = models.PositiveIntegerField(primary_key=True)
    name = models.CharField(max_length=100)
    name_folded = models.CharField(max_length=100, db_index=True)
    division_type = models.CharField(max_length=40)

    class Meta:
        ordering = ["name"]
        verbose_name = _("province")
        verbose_name_plural = _("province")

    def __str__(self) -> str:
        return self.name


class Commune(models.Model):
    """A commune, ward or special zone (xã, phường, đặc khu): the lower of the two levels."""

    code = models.PositiveIntegerField(primary_key=True)
    name = models.CharField(max_length=100)
    name_folded = models.CharField(max_length=100, db_index=True)
    division_type = models.CharField(max_length=40)
    province = models.ForeignKey(Province, on_delete=models.PROTECT, related_name="communes")

    class Meta:
        ordering = ["province__name", "name"]
        verbose_name = _("commune")
        verbose_name_plural = _("commune")

    def __str__(self) -> str:
        return f"{self.name}, {self.province.name}"
