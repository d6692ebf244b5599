from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class CasesConfig(AppConfig):
    name = "epiqr.cases"
    label = "cases"
    verbose_name = _("Cases (F0)")

    def ready(self) -> None:
        from epiqr.core import panels
        from epiqr.core.context import nav_item

        from . import permissions, views

        nav_item(_("Cases (F0)"), "cases:list", permissions.VIEW)
        panels.register("people.detail", views.person_panel)
