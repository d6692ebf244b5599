"""Forms for venue pages: they parse what was typed; the rules live in `services`."""

from django import forms
from django.utils.translation import gettext_lazy as _

from epiqr.core.forms import PhoneInput

from .models import Sector
from .selectors import commune_from_text

SIZES = [("A4", "A4"), ("A5", "A5")]


class CommuneField(forms.CharField):
    """A commune typed by name (suggestions come from a datalist), "name, province", or code."""

    def __init__(self, **kwargs):
        kwargs.setdefault("max_length", 200)
        kwargs.setdefault(
            "widget",
            forms.TextInput(
                attrs={"list": "commune-options", "autocomplete": "off", "placeholder": _("e.g. Hoàn Kiếm")}
            ),
        )
        super().__init__(**kwargs)

    def clean(self, value):
        text = super().clean(value)
        if not text:
            return None
        try:
            return commune_from_text(text=text)
        except LookupError as exc:
            raise forms.ValidationError(str(exc)) from exc


class VenueForm(forms.Form):
    name = forms.CharField(label=_("Venue name"), max_length=200)
    sector = forms.ChoiceField(label=_("Sector"), choices=[("", _("Choose…")), *Sector.choices])
    address = forms.CharField(label=_("Address (house number, street)"), max_length=255)
    commune = CommuneField(label=_("Commune or ward"))
    phone = forms.CharField(label=_("Contact phone"), max_length=30, required=False, widget=PhoneInput)
    capacity = forms.IntegerField(label=_("Capacity (people)"), required=False, min_value=1)
    starts_at = forms.DateTimeField(
        label=_("Starts (events only)"),
        required=False,
        widget=forms.DateTimeInput(attrs={"type": "datetime-local"}, format="%Y-%m-%dT%H:%M"),
        input_formats=["%Y-%m-%dT%H:%M", "%d/%m/%Y %H:%M"],
    )
    ends_at = forms.DateTimeField(
        label=_("Ends (events only)"),
        required=False,
        widget=forms.DateTimeInput(attrs={"type": "datetime-local"}, format="%Y-%m-%dT%H:%M"),
        input_formats=["%Y-%m-%dT%H:%M", "%d/%m/%Y %H:%M"],
    )

    def venue_fields(self) -> dict:
        data = self.cleaned_data
        return {
            "name": data["name"],
            "sector": data["sector"],
            "address": data["address"],
            "commune_id": data["commune"].code,
            "phone": data.get("phone") or "",
            "capacity": data.get("capacity"),
            "starts_at": data.get("starts_at"),
            "ends_at": data.get("ends_at"),
        }


class SignupForm(VenueForm):
    full_name = forms.CharField(label=_("Your full name"), max_length=120)
    owner_phone = forms.CharField(label=_("Your phone"), max_length=30, required=False, widget=PhoneInput)
    username = forms.CharField(label=_("Login name"), max_length=150)
    password = forms.CharField(
        label=_("Password (8+ characters)"), widget=forms.PasswordInput, max_length=128
    )

    account_fields = ("full_name", "owner_phone", "username", "password")


class ImportForm(forms.Form):
    file = forms.FileField(label=_("Excel (.xlsx) or CSV file"))


class BatchForm(forms.Form):
    commune = CommuneField(label=_("Commune or ward"), required=False)
    sector = forms.ChoiceField(
        label=_("Sector"), choices=[("", _("All sectors")), *Sector.choices], required=False
    )
    size = forms.ChoiceField(label=_("Paper size"), choices=SIZES, initial="A4")
