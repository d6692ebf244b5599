"""Capabilities of the venue registry. Which venues a holder may act on is decided by `selectors`."""

from django.utils.translation import gettext_lazy as _

from epiqr.core.permissions import Role, capability

VIEW = capability(
    "venues.view",
    _("See the venues of your scope (owners: their own; officers: their jurisdiction)"),
    [Role.VENUE_OWNER, Role.VENUE_STAFF, *Role.OFFICERS],
)
MANAGE_OWN = capability(
    "venues.manage_own",
    _("Register and edit your own venues and reprint their poster (the old one stops working)"),
    [Role.VENUE_OWNER],
)
REGISTER = capability(
    "venues.register",
    _("Register and edit venues and revoke posters in your jurisdiction"),
    Role.OFFICERS,
)
IMPORT = capability("venues.import", _("Import venues from an Excel/CSV file"), Role.OFFICERS)
PRINT = capability(
    "venues.print",
    _("Download and print the QR posters of the venues of your scope"),
    [Role.VENUE_OWNER, Role.VENUE_STAFF, *Role.OFFICERS],
)
SELF_ASSESS = capability(
    "venues.self_assess",
    _("Fill the COVID-safety self-assessment of your own venues (the safe-venue map shows its status)"),
    [Role.VENUE_OWNER],
)
