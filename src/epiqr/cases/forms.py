from django import forms
from django.utils.translation import gettext_lazy as _


class CaseOpenForm(forms.Form):
    person = forms.UUIDField(required=False, widget=forms.HiddenInput)
    scan = forms.CharField(
        label=_("Scan or type the person's ID card, BHYT card, personal QR, ID number or phone"),
        required=False,
        max_length=500,
        widget=forms.TextInput(attrs={"autofocus": True, "autocomplete": "off"}),
    )
    confirmed_on = forms.DateField(
        label=_("Confirmation date"), widget=forms.DateInput(attrs={"type": "date"})
    )
    onset_on = forms.DateField(
        label=_("Symptom onset date"), required=False, widget=forms.DateInput(attrs={"type": "date"})
    )
    sample_on = forms.DateField(
        label=_("Positive sample date"), required=False, widget=forms.DateInput(attrs={"type": "date"})
    )
    isolated_at = forms.DateTimeField(
        label=_("Isolated at"), required=False, widget=forms.DateTimeInput(attrs={"type": "datetime-local"})
    )


class PeriodOverrideForm(forms.Form):
    infectious_from = forms.DateTimeField(
        label=_("Infectious from"),
        required=False,
        widget=forms.DateTimeInput(attrs={"type": "datetime-local"}),
    )
    infectious_until = forms.DateTimeField(
        label=_("Infectious until"),
        required=False,
        widget=forms.DateTimeInput(attrs={"type": "datetime-local"}),
    )
    reason = forms.CharField(label=_("Reason"), max_length=500)
