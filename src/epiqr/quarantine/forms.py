from django import forms
from django.utils.translation import gettext_lazy as _

from .models import Outcome, Symptom


class DiaryForm(forms.Form):
    """Today's diary: symptoms ticked, a temperature if taken, a note."""

    symptoms = forms.MultipleChoiceField(
        label=_("Symptoms today"),
        choices=Symptom.choices,
        required=False,
        widget=forms.CheckboxSelectMultiple,
    )
    temperature = forms.CharField(
        label=_("Temperature (°C), if taken"),
        required=False,
        max_length=5,
        widget=forms.TextInput(attrs={"inputmode": "decimal", "placeholder": "36.8", "autocomplete": "off"}),
    )
    note = forms.CharField(label=_("Anything else"), required=False, max_length=300)


class CallForm(forms.Form):
    """A call of the commune team: what came of it, a note, and the diary of the day if the contact
    answered."""

    outcome = forms.ChoiceField(label=_("Outcome"), choices=Outcome.choices)
    note = forms.CharField(label=_("Note"), required=False, max_length=300)
