from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class CheckinsConfig(AppConfig):
    name = "epiqr.checkins"
    label = "checkins"
    verbose_name = _("Check-ins and declarations")

    def ready(self) -> None:
        from epiqr.core.audit import track_reads
        from epiqr.core.context import nav_item

        from . import permissions
        from .models import HealthDeclaration

        # A declaration carries its declarant's name, phone and answers: reading it reads them.
        track_reads(HealthDeclaration, person_id=lambda declaration: declaration.person_id)

        nav_item(_("Scan station"), "checkins:station_pick", permissions.SCAN)
        nav_item(_("Visitor counts"), "checkins:venue_list", permissions.VIEW_VENUE_STATS)
        nav_item(_("Declarations to follow up"), "checkins:officer", permissions.FOLLOW_UP)
