"""Capabilities of cameras. Frames and alerts are personal data: officers of the camera's jurisdiction."""

from django.utils.translation import gettext_lazy as _

from epiqr.core.permissions import Role, capability

OFFICERS = [Role.COMMUNE_OFFICER, Role.PROVINCE_OFFICER]

VIEW = capability(
    "cameras.view",
    _("See the cameras of your jurisdiction, their counts, alerts and the frames kept for alerts (audited)"),
    OFFICERS,
    personal_data=True,
)
FEED = capability(
    "cameras.feed",
    _("Send camera frames (a camera gateway's account) for the cameras of your jurisdiction"),
    [*OFFICERS, Role.CHECKPOINT_OFFICER],
)
