"""Capabilities of care. Scope: a coordinator acts on the facilities they coordinate (or, with none
named, on those of their jurisdiction); officers on the patients and facilities of their jurisdiction."""

from django.utils.translation import gettext_lazy as _

from epiqr.core.permissions import Role, capability

COORDINATORS = [Role.FACILITY_COORDINATOR, Role.PROVINCE_OFFICER]

VIEW = capability(
    "care.view",
    _("See F0 patients of your area or facilities: severity, vital signs, self-reports, care setting"),
    [Role.FACILITY_COORDINATOR, *Role.OFFICERS],
    personal_data=True,
)
COORDINATE = capability(
    "care.coordinate",
    _(
        "Accept or override routings to your facilities, admit, transfer and discharge patients, keep beds current"
    ),
    COORDINATORS,
    personal_data=True,
)
MONITOR = capability(
    "care.monitor",
    _("Assess F0s, enter their self-reports, propose routings, record tests and releases"),
    list(Role.OFFICERS),
    personal_data=True,
)
EXPORT = capability(
    "care.export",
    _("Export the list of F0 patients of your area (CSV, Excel)"),
    list(Role.OFFICERS),
    personal_data=True,
)
