from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class NotifyConfig(AppConfig):
    name = "epiqr.notify"
    label = "notify"
    verbose_name = _("Notifications")

    def ready(self) -> None:
        from epiqr.core.context import nav_item

        from . import permissions

        nav_item(_("Outbox"), "notify:outbox", permissions.VIEW_OUTBOX, last=True)
