from django.utils.translation import gettext_lazy as _

from epiqr.core.permissions import Role, capability

VIEW = capability(
    "people.view",
    _("Look up and see the people of your jurisdiction"),
    [Role.COMMUNE_OFFICER, Role.PROVINCE_OFFICER, Role.HOTLINE_OPERATOR],
    personal_data=True,
)
EDIT = capability(
    "people.edit",
    _("Register and edit people and print their personal QR"),
    [Role.COMMUNE_OFFICER, Role.PROVINCE_OFFICER],
)
SCAN = capability(
    "people.scan",
    _("Scan ID cards (CCCD), health-insurance cards (BHYT) and personal QR codes"),
    [
        Role.VENUE_OWNER,
        Role.VENUE_STAFF,
        Role.SAMPLER,
        Role.LAB_TECH,
        Role.VACCINATOR,
        Role.CHECKPOINT_OFFICER,
        Role.COMMUNE_OFFICER,
        Role.PROVINCE_OFFICER,
    ],
)
VERIFY_DEVICE = capability(
    "people.verify_device",
    _(
        "Confirm a citizen's phone with their chip ID card (the photo on the card checked against the "
        "person showing it)"
    ),
    [Role.COMMUNE_OFFICER, Role.PROVINCE_OFFICER, Role.SAMPLER],
    personal_data=True,  # it opens a person's records to a phone: the worker must hold a second factor
)
