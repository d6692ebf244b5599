from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class HotlineConfig(AppConfig):
    name = "epiqr.hotline"
    label = "hotline"
    verbose_name = _("Hotline 1022")

    def ready(self) -> None:
        from epiqr.core.audit import track_reads
        from epiqr.core.context import nav_item

        from . import permissions
        from .models import Ticket

        # A request loaded while an audited route answers is a read of the person it is linked to (its
        # caller's name, phone and address are theirs); an unlinked caller is counted in the rows shown.
        track_reads(Ticket, person_id=lambda ticket: ticket.person_id)

        nav_item(_("1022 console"), "hotline:console", permissions.CONSOLE)
        nav_item(_("Requests"), "hotline:queue", permissions.VIEW)
