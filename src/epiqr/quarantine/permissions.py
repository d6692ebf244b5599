"""Capabilities of the quarantine follow-up. Which quarantines a holder sees is decided by scope
(selectors): a commune officer their commune's contacts, a province officer the province's."""

from django.utils.translation import gettext_lazy as _

from epiqr.core.permissions import Role, capability

VIEW = capability(
    "quarantine.view",
    _("See the contacts in quarantine of your area, their diaries and calls"),
    Role.OFFICERS,
    personal_data=True,
)
FOLLOW = capability(
    "quarantine.follow",
    _("Follow contacts in quarantine: log calls, fill their diary on a call, open a case, end a quarantine"),
    Role.OFFICERS,
)
EXPORT = capability(
    "quarantine.export",
    _("Export the quarantine lists (Excel, CSV)"),
    Role.OFFICERS,
    personal_data=True,
)
