from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class VenuesConfig(AppConfig):
    name = "epiqr.venues"
    label = "venues"
    verbose_name = _("Venues")

    def ready(self) -> None:
        from epiqr.core.context import nav_item

        from . import permissions

        nav_item(_("Venues"), "venues:list", permissions.VIEW)
