from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class CheckpointsConfig(AppConfig):
    name = "epiqr.checkpoints"
    label = "checkpoints"
    verbose_name = _("Checkpoints and movement permits")

    def ready(self) -> None:
        from epiqr.core.context import nav_item

        from . import jobs, keys, permissions  # noqa: F401 - jobs declares its kinds

        keys.declare()
        nav_item(_("Checkpoint"), "checkpoints:station_pick", permissions.VERIFY)
        nav_item(_("Movement permits"), "checkpoints:permits", permissions.PERMIT_LIST)
        nav_item(_("Checkpoints"), "checkpoints:checkpoints", permissions.MANAGE)
