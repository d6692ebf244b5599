from django import forms
from django.utils.translation import gettext_lazy as _

from epiqr.core.forms import PhoneInput
from epiqr.geo.forms import CommuneSelect

from .models import Sex


class PersonForm(forms.Form):
    """Input for person_create / person_update; the rules live in the services."""

    full_name = forms.CharField(label=_("Full name"), max_length=120)
    birth_date = forms.DateField(
        label=_("Date of birth"), required=False, widget=forms.DateInput(attrs={"type": "date"})
    )
    birth_year = forms.IntegerField(
        label=_("Birth year (when the date is unknown)"), required=False, min_value=1900, max_value=2100
    )
    sex = forms.ChoiceField(label=_("Sex"), choices=[("", "—"), *Sex.choices], required=False)
    phone = forms.CharField(label=_("Phone"), max_length=24, required=False, widget=PhoneInput)
    email = forms.EmailField(label=_("Email"), required=False)
    address = forms.CharField(label=_("Address"), max_length=255, required=False)
    commune = forms.ModelChoiceField(
        label=_("Commune / ward"), queryset=None, required=False, widget=CommuneSelect
    )
    id_number = forms.CharField(
        label=_("ID number (CCCD, 12 digits)"),
        max_length=12,
        required=False,
        widget=forms.TextInput(attrs={"inputmode": "numeric"}),
    )

    def __init__(self, *args, communes, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["commune"].queryset = communes
        if communes.count() == 1:
            self.fields["commune"].initial = communes.first()
            self.fields["commune"].required = True


class ProveForm(forms.Form):
    """Who the phone's holder says they are: the code goes to the phone on record, never to one typed here."""

    identifier = forms.CharField(
        label=_("ID card number (12 digits) or phone number"),
        max_length=20,
        widget=forms.TextInput(attrs={"inputmode": "numeric", "autocomplete": "off"}),
    )


class CodeForm(forms.Form):
    code = forms.CharField(
        label=_("Code from the SMS"),
        max_length=12,
        widget=forms.TextInput(
            attrs={
                "inputmode": "numeric",
                "autocomplete": "one-time-code",
                "pattern": "[0-9 ]*",
                "class": "code",
            }
        ),
    )
