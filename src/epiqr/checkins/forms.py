"""Input shapes for the public pages and the API (types, required fields, ranges). Rules live in services."""

from django import forms
from django.core.exceptions import ValidationError
from django.utils.translation import gettext_lazy as _

from epiqr.core.errors import Invalid
from epiqr.core.forms import PhoneInput
from epiqr.core.timeutil import local_today
from epiqr.geo.forms import CommuneSelect
from epiqr.geo.models import Commune
from epiqr.people.phones import normalise_phone

from .models import EXPOSURES, SYMPTOMS, DeclarationKind, TransportKind


def _phone(value: str) -> str:
    try:
        return normalise_phone(value)
    except Invalid as exc:
        raise ValidationError(exc.message) from exc


def commune_choices(province_code: int | None):
    """The communes of a province (all without one) by name, as (code, name) rows: no model objects,
    since every citizen's first check-in page lists them."""
    qs = Commune.objects.order_by("name")
    if province_code:
        qs = qs.filter(province_id=province_code)
    return [("", "—"), *qs.values_list("code", "name")]


class BirthYearField(forms.IntegerField):
    def __init__(self, **kwargs):
        super().__init__(min_value=1900, **kwargs)

    def validate(self, value):
        super().validate(value)
        if value is not None and value > local_today().year:
            raise ValidationError(_("The birth year cannot be in the future."))


class VisitorForm(forms.Form):
    """First check-in on a phone: who is checking in."""

    full_name = forms.CharField(label=_("Full name"), max_length=120, min_length=2)
    phone = forms.CharField(label=_("Phone"), max_length=20, widget=PhoneInput)
    birth_year = BirthYearField(label=_("Year of birth"))
    id_number = forms.CharField(label=_("ID card number (optional)"), max_length=12, required=False)
    commune = forms.TypedChoiceField(
        label=_("Commune of residence"), coerce=int, required=False, empty_value=None, widget=CommuneSelect
    )

    def __init__(self, *args, province_code: int | None = None, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["commune"].choices = commune_choices(province_code)
        self.fields["commune"].widget.province_code = province_code

    def clean_phone(self):
        return _phone(self.cleaned_data["phone"])

    def clean_id_number(self):
        value = "".join(self.cleaned_data.get("id_number", "").split())
        if value and (not value.isdigit() or len(value) not in (9, 12)):
            raise ValidationError(_("An ID number has 9 or 12 digits."))
        return value


class DeclarationForm(forms.Form):
    """The 2021 national health declaration (domestic) and the entry declaration."""

    kind = forms.ChoiceField(choices=DeclarationKind.choices, initial=DeclarationKind.DOMESTIC)
    full_name = forms.CharField(label=_("Full name"), max_length=120, min_length=2)
    birth_year = BirthYearField(label=_("Year of birth"))
    sex = forms.ChoiceField(
        label=_("Sex"), choices=[("", "—"), ("M", _("Male")), ("F", _("Female"))], required=False
    )
    nationality = forms.CharField(label=_("Nationality"), max_length=64, required=False, initial="Việt Nam")
    id_number = forms.CharField(label=_("ID or passport number"), max_length=32, required=False)
    bhyt_number = forms.CharField(label=_("Health-insurance card number"), max_length=15, required=False)
    on_behalf = forms.BooleanField(label=_("I am declaring on behalf of someone else"), required=False)
    phone = forms.CharField(label=_("Phone"), max_length=20, widget=PhoneInput)
    email = forms.EmailField(label=_("Email"), required=False)
    commune = forms.ModelChoiceField(
        label=_("Commune"), queryset=Commune.objects.all(), to_field_name="code", widget=CommuneSelect
    )
    address = forms.CharField(label=_("Address (house number, street)"), max_length=255)
    visited = forms.CharField(
        label=_("Provinces or countries visited in the last 14 days"), max_length=500, required=False
    )
    symptoms = forms.MultipleChoiceField(
        label=_("In the last 14 days, have you had any of these?"),
        choices=list(SYMPTOMS.items()),
        required=False,
        widget=forms.CheckboxSelectMultiple,
    )
    exposures = forms.MultipleChoiceField(
        label=_("In the last 14 days, have you had"),
        choices=list(EXPOSURES.items()),
        required=False,
        widget=forms.CheckboxSelectMultiple,
    )
    transport = forms.ChoiceField(
        label=_("Means of transport"), choices=[("", "—"), *TransportKind.choices], required=False
    )
    transport_number = forms.CharField(label=_("Flight or vehicle number"), max_length=20, required=False)
    seat = forms.CharField(label=_("Seat"), max_length=10, required=False)
    entry_point = forms.CharField(label=_("Point of entry"), max_length=120, required=False)
    arrival_date = forms.DateField(label=_("Arrival date"), required=False)
    departure_country = forms.CharField(label=_("Country of departure"), max_length=64, required=False)

    ENTRY_REQUIRED = ("transport", "transport_number", "entry_point", "arrival_date", "departure_country")

    def __init__(self, *args, province_code: int | None = None, **kwargs):
        super().__init__(*args, **kwargs)
        if province_code:
            self.fields["commune"].queryset = Commune.objects.filter(province_id=province_code).order_by(
                "name"
            )
            self.fields["commune"].widget.province_code = province_code
        self.fields["commune"].label_from_instance = lambda c: c.name

    def clean_phone(self):
        return _phone(self.cleaned_data["phone"])

    def clean_bhyt_number(self):
        value = self.cleaned_data.get("bhyt_number", "").strip().upper()
        if value and (len(value) not in (10, 15) or not value[-10:].isdigit()):
            raise ValidationError(
                _("A health-insurance number has 10 digits (or the 15-character card code).")
            )
        return value

    def clean_arrival_date(self):
        value = self.cleaned_data.get("arrival_date")
        if value and value > local_today():
            raise ValidationError(_("The arrival date cannot be in the future."))
        return value

    def clean(self):
        data = super().clean()
        if data.get("kind") == DeclarationKind.ENTRY:
            for name in self.ENTRY_REQUIRED:
                if not data.get(name) and name not in self.errors:
                    self.add_error(name, _("Required for an entry declaration."))
            if not data.get("id_number") and "id_number" not in self.errors:
                self.add_error(
                    "id_number", _("A passport or ID number is required for an entry declaration.")
                )
        return data


def form_invalid(form: forms.Form) -> Invalid:
    """The first error of a bound form as the service error the API returns (422 with the field)."""
    name, errors = next(iter(form.errors.items()))
    label = form.fields[name].label if name in form.fields else ""
    message = f"{label}: {errors[0]}" if label else str(errors[0])
    return Invalid(message, code="invalid", field=None if name == "__all__" else name)


class CheckinImportForm(forms.Form):
    file = forms.FileField(label=_("Check-ins (.csv)"))

    def clean_file(self):
        upload = self.cleaned_data["file"]
        if not upload.name.lower().endswith((".csv", ".txt")):
            raise forms.ValidationError(_("Upload a .csv file."))
        return upload
