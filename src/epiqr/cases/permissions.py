"""Capabilities of case records. Which cases a holder sees is decided by the jurisdiction (selectors)."""

from django.utils.translation import gettext_lazy as _

from epiqr.core.permissions import Role, capability

VIEW = capability(
    "cases.view", _("See the cases (F0) of your jurisdiction"), Role.OFFICERS, personal_data=True
)
OPEN = capability("cases.open", _("Open a case (F0) for a person of your jurisdiction"), Role.OFFICERS)
OVERRIDE_PERIOD = capability(
    "cases.override_period", _("Change a case's infectious period (with a reason)"), Role.OFFICERS
)
CANCEL = capability(
    "cases.cancel", _("Cancel a case opened by mistake (with a reason, logged)"), Role.OFFICERS
)
