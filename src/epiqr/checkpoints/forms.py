from django import forms
from django.utils.translation import gettext_lazy as _

from epiqr.core.forms import PhoneInput

from .models import Purpose


class ApplicationForm(forms.Form):
    """One application, with the same fields as a row of the staff list (applications.application_clean
    reads both, so a form and a sheet accept the same writing)."""

    id_number = forms.CharField(
        label=_("ID number (CCCD, CMND or passport), or scan the chip ID card"),
        max_length=600,
        widget=forms.TextInput(attrs={"autocomplete": "off", "autofocus": True}),
    )
    full_name = forms.CharField(label=_("Full name"), max_length=120, required=False)
    phone = forms.CharField(
        label=_("Phone (the permit is sent to it)"), max_length=30, required=False, widget=PhoneInput
    )
    email = forms.CharField(label=_("Email"), max_length=254, required=False)
    purpose = forms.TypedChoiceField(label=_("Purpose"), choices=Purpose.choices, coerce=int)
    valid_from = forms.DateField(label=_("Valid from"), widget=forms.DateInput(attrs={"type": "date"}))
    valid_until = forms.DateField(label=_("Valid until"), widget=forms.DateInput(attrs={"type": "date"}))
    weekdays = forms.CharField(
        label=_("Weekdays"),
        max_length=60,
        required=False,
        help_text=_('e.g. T2-T6, or "cả tuần" for every day'),
    )
    hours = forms.CharField(
        label=_("Hours"),
        max_length=40,
        required=False,
        help_text=_('e.g. 06:00-22:00, or "cả ngày" for all day'),
    )
    area = forms.CharField(
        label=_("Area"),
        max_length=1000,
        help_text=_("Provinces or communes where the permit is valid, separated by ';' (e.g. Hà Nội)."),
    )
    plate = forms.CharField(label=_("Vehicle plate"), max_length=20, required=False)


class ImportForm(forms.Form):
    file = forms.FileField(label=_("Staff list (.xlsx or .csv)"))


class DecideForm(forms.Form):
    permits = forms.TypedMultipleChoiceField(coerce=int, choices=())  # choices: the page's permits
    decision = forms.ChoiceField(choices=(("approve", _("Approve")), ("refuse", _("Refuse"))))
    reason = forms.CharField(label=_("Reason for refusing"), max_length=300, required=False)

    def __init__(self, *args, permit_ids=(), **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["permits"].choices = [(i, i) for i in permit_ids]


class RevokeForm(forms.Form):
    reason = forms.CharField(label=_("Reason for revoking"), max_length=300)
