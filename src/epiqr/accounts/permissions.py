from django.utils.translation import gettext_lazy as _

from epiqr.core.permissions import Role, capability

MANAGE_USERS = capability(
    "accounts.manage_users", _("Create and edit accounts, roles and scopes"), [Role.ADMIN], personal_data=True
)
