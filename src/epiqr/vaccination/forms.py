from django import forms
from django.utils.translation import gettext_lazy as _
from django.utils.translation import pgettext_lazy

from epiqr.core.timeutil import local_today
from epiqr.geo.forms import CommuneSelect

from .models import PRODUCT_CHOICES, Severity
from .selectors import group_choices


class SessionForm(forms.Form):
    site: forms.ModelChoiceField = forms.ModelChoiceField(
        queryset=None, required=False, label=_("Vaccination site")
    )
    new_site_name = forms.CharField(required=False, max_length=150, label=_("…or a new site: name"))
    new_site_address = forms.CharField(required=False, max_length=255, label=_("New site: address"))
    new_site_commune: forms.ModelChoiceField = forms.ModelChoiceField(
        queryset=None, required=False, label=_("New site: commune"), widget=CommuneSelect
    )
    day = forms.DateField(label=_("Day"), initial=local_today, widget=forms.DateInput(attrs={"type": "date"}))
    team = forms.CharField(max_length=100, label=pgettext_lazy("vaccination", "Team"))
    product = forms.ChoiceField(choices=PRODUCT_CHOICES, label=_("Vaccine"))
    lot_number = forms.CharField(max_length=40, required=False, label=_("Lot number"))
    lot_expires_on = forms.DateField(
        required=False, label=_("Lot expiry"), widget=forms.DateInput(attrs={"type": "date"})
    )

    def __init__(self, *args, sites, communes, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["site"].queryset = sites
        self.fields["new_site_commune"].queryset = communes

    def clean(self):
        data = super().clean()
        if not data.get("site") and not data.get("new_site_name"):
            raise forms.ValidationError(_("Choose a vaccination site or name a new one."))
        if data.get("new_site_name") and not data.get("site") and not data.get("new_site_commune"):
            self.add_error("new_site_commune", _("Choose the commune of the new site."))
        if data.get("lot_number") and not data.get("lot_expires_on"):
            self.add_error("lot_expires_on", _("Give the lot's expiry date."))
        return data


class AdverseEventForm(forms.Form):
    severity = forms.ChoiceField(choices=Severity.choices, label=_("Severity"))
    description = forms.CharField(max_length=500, label=_("What happened"))


class ScreeningForm(forms.Form):
    note = forms.CharField(max_length=500, label=_("Screening note"))
    contraindicated = forms.BooleanField(required=False, label=_("Do not vaccinate (contraindication)"))


class InvitationForm(forms.Form):
    born_from = forms.IntegerField(label=_("Born from (year)"), min_value=1900, max_value=2100, initial=1962)
    born_until = forms.IntegerField(
        label=_("Born until (year)"), min_value=1900, max_value=2100, initial=2003
    )
    priority_group = forms.ChoiceField(
        label=_("Priority group"),
        required=False,
        choices=lambda: [("", _("Anyone in the age range")), *group_choices()],
    )
    first_slot = forms.TimeField(
        label=_("First slot"), initial="07:30", widget=forms.TimeInput(attrs={"type": "time"})
    )
    minutes_per_slot = forms.IntegerField(label=_("Minutes per slot"), min_value=5, max_value=240, initial=15)
    per_slot = forms.IntegerField(label=_("People per slot"), min_value=1, max_value=100, initial=10)
    limit = forms.IntegerField(label=_("At most"), min_value=1, max_value=2000, initial=200)


class PriorityGroupForm(forms.Form):
    group = forms.ChoiceField(label=_("Priority group"), choices=group_choices)
    since = forms.DateField(
        label=_("Since"), required=False, initial=local_today, widget=forms.DateInput(attrs={"type": "date"})
    )


class InvitationImportForm(forms.Form):
    file = forms.FileField(label=_("Invitation list (Excel .xlsx or CSV)"))
    first_slot = forms.TimeField(
        label=_("First slot"), initial="07:30", widget=forms.TimeInput(attrs={"type": "time"})
    )
    minutes_per_slot = forms.IntegerField(label=_("Minutes per slot"), min_value=5, max_value=240, initial=15)
    per_slot = forms.IntegerField(label=_("People per slot"), min_value=1, max_value=100, initial=10)

    def clean_file(self):
        upload = self.cleaned_data["file"]
        if not upload.name.lower().endswith((".csv", ".txt", ".xlsx")):
            raise forms.ValidationError(_("Upload a .csv or .xlsx file."))
        return upload


class ImportForm(forms.Form):
    site: forms.ModelChoiceField = forms.ModelChoiceField(
        queryset=None, label=_("Vaccination site recording these doses")
    )
    file = forms.FileField(label=_("Excel (.xlsx) or CSV file"))

    def __init__(self, *args, sites, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["site"].queryset = sites

    def clean_file(self):
        upload = self.cleaned_data["file"]
        if not upload.name.lower().endswith((".csv", ".txt", ".xlsx")):
            raise forms.ValidationError(_("Upload a .csv or .xlsx file."))
        return upload
