from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class TestingConfig(AppConfig):
    name = "epiqr.testing"
    label = "testing"
    verbose_name = _("Testing")

    def ready(self) -> None:
        from epiqr.core import panels
        from epiqr.core.context import nav_item

        from . import permissions, views

        nav_item(_("Sampling"), "testing:sessions", permissions.VIEW)
        nav_item(_("Lab results"), "testing:lab", permissions.RESULT)
        nav_item(_("Test statistics"), "testing:stats", permissions.VIEW)
        panels.register("people.detail", views.person_panel)
