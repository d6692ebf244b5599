from django.utils.translation import gettext_lazy as _

from epiqr.core.permissions import Role, capability

VIEW_OUTBOX = capability(
    "notify.view_outbox",
    _("See the outbox: messages sent and failed"),
    [Role.COMMUNE_OFFICER, Role.PROVINCE_OFFICER],
    personal_data=True,
)
