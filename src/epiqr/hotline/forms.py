"""Input shapes of the console, the ticket page and the citizen form. Rules live in services."""

from django import forms
from django.core.exceptions import ValidationError
from django.utils.translation import gettext_lazy as _

from epiqr.core.errors import Invalid
from epiqr.core.forms import PhoneInput
from epiqr.geo.forms import CommuneSelect
from epiqr.geo.models import Commune
from epiqr.people.phones import normalise_phone

from .models import Category


def clean_phone(value: str) -> str:
    try:
        return normalise_phone(value)
    except Invalid as exc:
        raise ValidationError(exc.message) from exc


def commune_choices(province_code: int | None):
    qs = Commune.objects.order_by("name")
    if province_code:
        qs = qs.filter(province_id=province_code)
    return [("", "—")] + [(c.pk, c.name) for c in qs.only("code", "name")]


class CategoryRadio(forms.RadioSelect):
    """The categories as radio buttons, each with its shortcut key (1..8) shown and declared."""

    template_name = "hotline/widgets/categories.html"


class LookupForm(forms.Form):
    phone = forms.CharField(label=_("Caller's phone"), max_length=20, widget=PhoneInput)

    def clean_phone(self):
        return clean_phone(self.cleaned_data["phone"])


class CallForm(forms.Form):
    """A request taken on the phone: who calls, where, what for."""

    phone = forms.CharField(label=_("Caller's phone"), max_length=20, widget=PhoneInput)
    person = forms.TypedChoiceField(
        label=_("Registered person"), coerce=int, required=False, empty_value=None, widget=forms.RadioSelect
    )
    caller_name = forms.CharField(label=_("Caller's name"), max_length=120, required=False)
    commune = forms.TypedChoiceField(
        label=_("Commune / ward"), coerce=int, required=False, empty_value=None, widget=CommuneSelect
    )
    address = forms.CharField(label=_("Address"), max_length=255, required=False)
    category = forms.ChoiceField(label=_("Category"), choices=Category.choices, widget=CategoryRadio)
    warning_sign = forms.BooleanField(
        label=_("Warning sign (breathing difficulty, chest pain, low SpO2, confusion)"), required=False
    )
    vulnerable = forms.BooleanField(
        label=_("Vulnerable (65 or older, pregnant, disabled, alone)"), required=False
    )
    description = forms.CharField(
        label=_("Request"), max_length=4000, widget=forms.Textarea(attrs={"rows": 3})
    )
    team = forms.TypedChoiceField(label=_("Team"), coerce=int, required=False, empty_value=None)

    def __init__(self, *args, province_code=None, people=(), teams=(), **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["commune"].choices = commune_choices(province_code)
        self.fields["commune"].widget.province_code = province_code
        self.fields["person"].choices = [("", _("Not registered / someone else"))] + [
            (p.pk, f"{p.full_name}" + (f" ({p.birth_year})" if p.birth_year else "")) for p in people
        ]
        self.fields["team"].choices = [("", _("Intake queue (decide later)"))] + [
            (t.pk, t.name) for t in teams
        ]

    def clean_phone(self):
        return clean_phone(self.cleaned_data["phone"])


class AssignForm(forms.Form):
    team = forms.TypedChoiceField(label=_("Team"), coerce=int)
    note = forms.CharField(label=_("Note for the team"), max_length=2000, required=False)

    def __init__(self, *args, teams=(), **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["team"].choices = [(t.pk, t.name) for t in teams]


class TextForm(forms.Form):
    """The text an action needs: what was done, why it is cancelled or reopened, a note."""

    text = forms.CharField(max_length=2000, widget=forms.Textarea(attrs={"rows": 2}))


class CitizenRequestForm(forms.Form):
    """The citizen's web form: the request, and the phone the code goes to."""

    phone = forms.CharField(label=_("Your phone number"), max_length=20, widget=PhoneInput)
    caller_name = forms.CharField(label=_("Your name"), max_length=120, min_length=2)
    commune = forms.TypedChoiceField(
        label=_("Commune / ward where help is needed"), coerce=int, empty_value=None, widget=CommuneSelect
    )
    address = forms.CharField(label=_("Address (house number, street, village)"), max_length=255)
    category = forms.ChoiceField(
        label=_("What do you need?"), choices=Category.choices, widget=forms.RadioSelect
    )
    warning_sign = forms.BooleanField(
        label=_("Someone has a warning sign: breathing difficulty, chest pain, low SpO2, confusion"),
        required=False,
    )
    description = forms.CharField(
        label=_("Your request"), max_length=2000, widget=forms.Textarea(attrs={"rows": 4})
    )

    def __init__(self, *args, province_code=None, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["commune"].choices = commune_choices(province_code)
        self.fields["commune"].widget.province_code = province_code

    def clean_phone(self):
        return clean_phone(self.cleaned_data["phone"])


class CodeForm(forms.Form):
    code = forms.CharField(
        label=_("Code from the SMS"),
        max_length=12,
        widget=forms.TextInput(attrs={"inputmode": "numeric", "autocomplete": "one-time-code"}),
    )
