from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class QuarantineConfig(AppConfig):
    name = "epiqr.quarantine"
    label = "quarantine"
    verbose_name = _("Quarantine of contacts")

    def ready(self) -> None:
        from epiqr.core import panels
        from epiqr.core.audit import track_reads
        from epiqr.core.context import nav_item

        from . import permissions, views
        from .models import Call, DiaryEntry, Quarantine

        # A quarantine, a diary day or a call loaded while an audited route answers is a read of the
        # contact it belongs to (their health and their whereabouts).
        track_reads(Quarantine, person_id=lambda q: q.person_id)
        track_reads(DiaryEntry, person_id=lambda e: e.quarantine.person_id if e.quarantine_id else None)
        track_reads(Call, person_id=lambda c: c.quarantine.person_id if c.quarantine_id else None)

        nav_item(_("Quarantine"), "quarantine:home", permissions.VIEW)
        # The chain of transmission on the case page (cases owns the page; it offers the panel slot).
        panels.register("cases.detail", views.case_panel)
