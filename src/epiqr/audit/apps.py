from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class AuditConfig(AppConfig):
    name = "epiqr.audit"
    label = "audit"
    verbose_name = _("Audit log")

    def ready(self) -> None:
        from epiqr.core import audit
        from epiqr.core.context import nav_item

        from . import permissions, services

        nav_item(_("Audit log"), "audit:events", permissions.VIEW)
        # core writes the events (core.audit); this package, above notify, watches them for the alert.
        if services.alert_check not in audit.LISTENERS:
            audit.LISTENERS.append(services.alert_check)
