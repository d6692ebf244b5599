from django.utils.translation import gettext_lazy as _

from epiqr.core.permissions import Role, capability

SAMPLE = capability(
    "testing.sample",
    _("Set up sampling sessions and pair tubes with the people sampled"),
    [Role.SAMPLER, Role.COMMUNE_OFFICER],
    personal_data=True,
)
RESULT = capability(
    "testing.result",
    _("Enter, import and correct test results"),
    [Role.LAB_TECH],
    personal_data=True,
)
VIEW = capability(
    "testing.view",
    _("See sampling sessions, tubes, results and test statistics of your scope"),
    [Role.COMMUNE_OFFICER, Role.PROVINCE_OFFICER, Role.SAMPLER, Role.LAB_TECH],
    personal_data=True,
)
RECALL = capability(
    "testing.recall",
    _("See who must be sampled again (positive pools, invalid samples)"),
    [Role.COMMUNE_OFFICER, Role.PROVINCE_OFFICER, Role.SAMPLER],
    personal_data=True,
)
