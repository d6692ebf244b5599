from django.utils.translation import gettext_lazy as _

from epiqr.core.permissions import Role, capability

SCAN = capability(
    "checkins.scan",
    _("Run the scan station and upload offline scans at your own venue"),
    [Role.VENUE_OWNER, Role.VENUE_STAFF, Role.CHECKPOINT_OFFICER],
)
VIEW_VENUE_STATS = capability(
    "checkins.view_venue_stats",
    _("See check-ins per hour and the estimated people present at your own venue"),
    [Role.VENUE_OWNER, Role.VENUE_STAFF],
)
VIEW_VISITORS = capability(
    "checkins.view_visitors",
    _("See your own venue's visits (within the retention period)"),
    [Role.VENUE_OWNER],
)
FOLLOW_UP = capability(
    "checkins.follow_up",
    _("See the health declarations to follow up and the venues with check-ins today in your jurisdiction"),
    [Role.COMMUNE_OFFICER, Role.PROVINCE_OFFICER],
    personal_data=True,
)
IMPORT = capability(
    "checkins.import",
    _("Import check-ins from another system (a CSV file) for the venues of your jurisdiction"),
    [Role.COMMUNE_OFFICER, Role.PROVINCE_OFFICER],
)
