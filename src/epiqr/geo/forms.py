"""Form pieces for picking a commune."""

from django import forms
from django.urls import reverse
from django.utils.html import escape
from django.utils.safestring import SafeString, mark_safe
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

    def render(self, name, value, attrs=None, renderer=None) -> SafeString:
        """The same HTML as Django's select template, written in one pass: a province's hundreds of
        communes through the per-option template took most of a citizen's venue page (the load test
        of docs/benchmarks.md). Anything unusual (option groups, several values) keeps the template."""
        context = self.get_context(name, value, attrs)["widget"]
        groups = context["optgroups"]
        if self.allow_multiple_selected or any(group_name for group_name, _options, _index in groups):
            return super().render(name, value, attrs, renderer)
        parts = [f'<select name="{escape(context["name"])}"{_attributes(context["attrs"])}>']
        for _group_name, options, _index in groups:
            for option in options:
                parts.append(
                    f'\n  <option value="{escape(option["value"])}"{_attributes(option["attrs"])}>'
                    f"{escape(option['label'])}</option>"
                )
        parts.append("\n</select>")
        return mark_safe("".join(parts))  # noqa: S308 - every value above is escaped


def _attributes(attrs: dict) -> str:
    """Django's widgets/attrs.html: ` name="value"`, a bare name for True, nothing for False."""
    out = []
    for key, value in attrs.items():
        if value is False:
            continue
        out.append(f" {escape(key)}" if value is True else f' {escape(key)}="{escape(value)}"')
    return "".join(out)
