from django import forms
from django.utils.translation import gettext_lazy as _

from epiqr.core.timeutil import local_today
from epiqr.geo.forms import CommuneSelect

from .models import ResultValue, TestKind


class SessionForm(forms.Form):
    site = forms.ModelChoiceField(queryset=None, required=False, label=_("Sampling site"))
    new_site_name = forms.CharField(required=False, max_length=150, label=_("…or a new site: name"))
    new_site_address = forms.CharField(required=False, max_length=255, label=_("New site: address"))
    new_site_commune = forms.ModelChoiceField(
        queryset=None, required=False, label=_("New site: commune"), widget=CommuneSelect
    )
    team = forms.CharField(max_length=100, label=_("Team"))
    day = forms.DateField(label=_("Day"), initial=local_today, widget=forms.DateInput(attrs={"type": "date"}))
    kind = forms.ChoiceField(choices=TestKind.choices, label=_("Test kind"), initial=TestKind.PCR_POOLED)
    pool_size_limit = forms.IntegerField(min_value=2, max_value=30, initial=10, label=_("Pool size limit"))
    expected_prevalence = forms.FloatField(
        required=False, min_value=0, max_value=50, label=_("Expected prevalence (%)"), initial=1
    )

    def __init__(self, *args, sites, communes, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["site"].queryset = sites
        self.fields["new_site_commune"].queryset = communes

    def clean(self):
        data = super().clean()
        if not data.get("site") and not data.get("new_site_name"):
            raise forms.ValidationError(_("Choose a site or name a new one."))
        if data.get("new_site_name") and not data.get("site") and not data.get("new_site_commune"):
            self.add_error("new_site_commune", _("Choose the commune of the new site."))
        return data


class ResultForm(forms.Form):
    barcode = forms.CharField(max_length=64, label=_("Tube barcode"))
    value = forms.ChoiceField(choices=ResultValue.choices, label=_("Result"), widget=forms.RadioSelect)
    ct = forms.CharField(required=False, max_length=8, label=_("Ct value (optional)"))
    tested_at = forms.CharField(required=False, max_length=32, label=_("Test time (empty = now)"))
    note = forms.CharField(required=False, max_length=255, label=_("Reason (for a correction)"))


class ImportForm(forms.Form):
    file = forms.FileField(label=_("Result file (.csv or .xlsx)"))

    def clean_file(self):
        upload = self.cleaned_data["file"]
        if not upload.name.lower().endswith((".csv", ".txt", ".xlsx")):
            raise forms.ValidationError(_("Upload a .csv or .xlsx file."))
        return upload


class LookupForm(forms.Form):
    barcode = forms.CharField(max_length=64, label=_("Tube number (on your slip)"))
    code = forms.CharField(
        max_length=40,
        label=_("Result code (on your slip, e.g. 7K3M-Q9XD-T2F)"),
        widget=forms.TextInput(
            attrs={"autocapitalize": "characters", "autocomplete": "off", "spellcheck": "false"}
        ),
    )
