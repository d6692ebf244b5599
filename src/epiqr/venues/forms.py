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


# What each item of a safety checklist (`safety`) asks the owner, in their words.
SAFETY_ITEMS = {
    "qr_posted": (
        _("The QR code poster is up at every entrance and visitors scan it"),
        _("Essential. Visitors check in with their phone camera; staff help those without a phone."),
    ),
    "masks": (
        _("Staff and visitors wear masks"),
        _("Essential. A reminder at the door; masks on hand for those who forgot."),
    ),
    "hand_washing": (
        _("Hand-washing or hand sanitiser at the entrance"),
        _("Essential. Soap and water or alcohol-based sanitiser, refilled every day."),
    ),
    "distancing": (
        _("People keep their distance"),
        _("Fewer seats or marks on the floor; no crowding at the counter."),
    ),
    "ventilation": (
        _("The place is well ventilated"),
        _("Doors or windows open, or the air changed by fans or ventilation."),
    ),
    "cleaning": (
        _("Surfaces people touch are cleaned every day"),
        _("Door handles, counters, tables, payment terminals."),
    ),
    "staff_protected": (
        _("Staff are vaccinated or tested as required"),
        _("As the local authority requires for your sector."),
    ),
}


class SafetyForm(forms.Form):
    """The owner's answers to the checklist in force: ticked = the measure is in place."""

    def __init__(self, *args, checklist, **kwargs):
        super().__init__(*args, **kwargs)
        for item in checklist.items:
            label, help_text = SAFETY_ITEMS.get(item.key, (item.key, ""))
            self.fields[item.key] = forms.BooleanField(label=label, help_text=help_text, required=False)
        self.checklist = checklist

    def answers(self) -> dict[str, bool]:
        return {i.key: bool(self.cleaned_data.get(i.key)) for i in self.checklist.items}
