from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class CamerasConfig(AppConfig):
    name = "epiqr.cameras"
    label = "cameras"
    verbose_name = _("Cameras")

    def ready(self) -> None:
        from epiqr.core.context import nav_item

        from . import permissions

        nav_item(_("Cameras"), "cameras:list", permissions.VIEW)
