"""Capabilities of the checkpoints domain. Scope: an organisation's accounts see their organisation's
permits only; officers decide the permits of organisations in their jurisdiction and manage its
checkpoints; a checkpoint officer works at the checkpoints they are assigned to (selectors)."""

from django.utils.translation import gettext_lazy as _

from epiqr.core.permissions import Role, capability

OFFICERS = [Role.COMMUNE_OFFICER, Role.PROVINCE_OFFICER]

PERMIT_APPLY = capability(
    "checkpoints.permit_apply",
    _("Apply for movement permits for your organisation's staff and see them"),
    [Role.ORGANISATION],
    personal_data=True,
)
PERMIT_DECIDE = capability(
    "checkpoints.permit_decide",
    _("Approve, refuse and revoke the movement permits of organisations in your jurisdiction"),
    OFFICERS,
    personal_data=True,
)
PERMIT_LIST = capability(
    "checkpoints.permit_list",
    _("See movement permits: your organisation's, or those of your jurisdiction"),
    [Role.ORGANISATION, *OFFICERS],
    personal_data=True,
)
VERIFY = capability(
    "checkpoints.verify",
    _("Verify permits and ID cards at your checkpoint and log the passages"),
    [Role.CHECKPOINT_OFFICER],
    personal_data=True,  # the population registry shows name, birth date, residence and status
)
MANAGE = capability(
    "checkpoints.manage",
    _("See the checkpoints of your jurisdiction, their officers, hours and passages"),
    OFFICERS,
    personal_data=True,
)
