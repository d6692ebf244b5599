"""Capabilities of the dashboards: aggregates only (no person is shown), scoped by jurisdiction."""

from django.utils.translation import gettext_lazy as _

from epiqr.core.permissions import Role, capability

VIEW = capability(
    "dashboards.view", _("See the dashboards of your jurisdiction (counts only)"), Role.OFFICERS
)
RECOMPUTE = capability(
    "dashboards.recompute", _("Recompute the epidemic levels now"), [Role.PROVINCE_OFFICER]
)
DEPLOYMENT = capability(
    "dashboards.deployment",
    _("See the QR deployment progress of your jurisdiction and the units to call"),
    Role.OFFICERS,
)
TARGETS = capability(
    "dashboards.targets",
    _("Import the units that must deploy, review their matches and set the deadlines per sector"),
    [Role.PROVINCE_OFFICER],
)
