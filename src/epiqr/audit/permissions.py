from django.utils.translation import gettext_lazy as _

from epiqr.core.permissions import capability

# Administrators only (they hold every capability): the log names who read whom.
VIEW = capability(
    "audit.view",
    _("See the audit log: who read whose personal data, and the alerts"),
    [],
    personal_data=True,
)
