from django.utils.translation import gettext_lazy as _

from epiqr.core.permissions import Role, capability

VACCINATE = capability(
    "vaccination.vaccinate",
    _("Run the vaccinator station: screen people, record doses and adverse events"),
    [Role.VACCINATOR, Role.COMMUNE_OFFICER],
    personal_data=True,
)
MANAGE = capability(
    "vaccination.manage",
    _("Plan vaccination sites, sessions, lots and invitations; import dose history"),
    [Role.VACCINATOR, Role.COMMUNE_OFFICER, Role.PROVINCE_OFFICER],
    personal_data=True,
)
VIEW = capability(
    "vaccination.view",
    _("See vaccination sessions, doses and coverage of your scope"),
    [Role.VACCINATOR, Role.COMMUNE_OFFICER, Role.PROVINCE_OFFICER],
    personal_data=True,
)
REVOKE = capability(
    "vaccination.revoke",
    _("Revoke a certificate issued in error"),
    [Role.PROVINCE_OFFICER],
    personal_data=True,
)
DOOR = capability(
    "vaccination.door",
    _("Choose whether a venue's check-in station refuses a red health status"),
    [Role.VENUE_OWNER, Role.COMMUNE_OFFICER, Role.PROVINCE_OFFICER],
)
