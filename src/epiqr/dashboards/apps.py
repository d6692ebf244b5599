from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class DashboardsConfig(AppConfig):
    name = "epiqr.dashboards"
    label = "dashboards"
    verbose_name = _("Dashboards")

    def ready(self) -> None:
        from epiqr.core.context import nav_item

        from . import permissions

        nav_item(_("Dashboards"), "dashboards:home", permissions.VIEW)
        nav_item(_("Map"), "dashboards:map", permissions.VIEW)
        nav_item(_("Activity"), "dashboards:activity", permissions.VIEW)
        nav_item(_("QR deployment"), "dashboards:deployment", permissions.DEPLOYMENT)
