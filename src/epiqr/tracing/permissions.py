"""Capabilities of contact tracing. Runs and contacts are narrowed to the jurisdiction by selectors:
a commune officer sees the contacts living in their commune, a province officer those of the province."""

from django.utils.translation import gettext_lazy as _

from epiqr.core.permissions import Role, capability

RUN = capability("tracing.run", _("Run F1/F2 tracing for the cases of your jurisdiction"), Role.OFFICERS)
VIEW = capability(
    "tracing.view", _("See the contacts of your jurisdiction"), Role.OFFICERS, personal_data=True
)
FOLLOW_UP = capability("tracing.follow_up", _("Update the follow-up of contacts"), Role.OFFICERS)
EXPORT = capability(
    "tracing.export",
    _("Export contact lists (Excel, CSV) with a stated purpose"),
    Role.OFFICERS,
    personal_data=True,
)
NOTIFY = capability("tracing.notify", _("Send messages to contacts"), Role.OFFICERS)
# Clusters are formed from the cases the officer may see (cases.selectors): a commune officer sees the
# venues where cases of their commune met, a province officer those of the whole province.
CLUSTERS = capability(
    "tracing.clusters",
    _("See the clusters of cases of your jurisdiction"),
    [Role.COMMUNE_OFFICER, Role.PROVINCE_OFFICER],
)
