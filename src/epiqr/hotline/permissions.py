"""Capabilities of the hotline. Which tickets a holder sees is decided by scope (selectors): operators and
province officers their province, team members their teams' queues, commune officers their commune."""

from django.utils.translation import gettext_lazy as _

from epiqr.core.permissions import Role, capability

OPERATORS = [Role.HOTLINE_OPERATOR]
WORKERS = [Role.HOTLINE_OPERATOR, Role.COMMUNE_OFFICER, Role.PROVINCE_OFFICER, Role.FACILITY_COORDINATOR]

VIEW = capability(
    "hotline.view",
    _("See the hotline requests of your area or your teams (callers' names, phones, addresses)"),
    WORKERS,
    personal_data=True,
)
CONSOLE = capability(
    "hotline.console",
    _("Take calls at the 1022 console: find a caller by phone, file requests"),
    OPERATORS,
    personal_data=True,
)
WORK = capability("hotline.work", _("Take, resolve, annotate and reopen the requests of your teams"), WORKERS)
ASSIGN = capability(
    "hotline.assign",
    _("Give a request to a team (any team of your province)"),
    [Role.HOTLINE_OPERATOR, Role.PROVINCE_OFFICER],
)
STATS = capability(
    "hotline.stats",
    _("See the hotline's statistics per team (no personal data)"),
    [Role.HOTLINE_OPERATOR, Role.PROVINCE_OFFICER, Role.COMMUNE_OFFICER],
)
