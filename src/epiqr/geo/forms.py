"""Form pieces for picking a commune."""

from django import forms
from django.urls import reverse
from django.utils.translation import gettext_lazy as _


class CommuneSelect(forms.Select):
    """A commune <select>; base.js adds a box above it that searches current and former names through
    the public commune API and narrows the list (without JavaScript it is a plain select)."""

    def __init__(self, attrs=None, *, province_code: int | None = None):
        super().__init__(attrs)
        self.province_code = province_code

    def get_context(self, name, value, attrs):
        context = super().get_context(name, value, attrs)
        extra = {
            "data-commune-search": reverse("api:communes"),
            "data-search-label": str(_("Find by name, also a former name (e.g. Hàng Trống)")),
            "data-former-label": str(_("formerly")),
        }
        if self.province_code:
            extra["data-province"] = str(self.province_code)
        context["widget"]["attrs"].update(extra)
        return context
