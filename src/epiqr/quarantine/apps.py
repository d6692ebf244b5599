from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class QuarantineConfig(AppConfig):
    name = "epiqr.quarantine"
    label = "quarantine"
    verbose_name = _("Quarantine of contacts")

    def ready(self) -> None:
        from epiqr.core.audit import track_reads

        from .models import Call, DiaryEntry, Quarantine

        # A quarantine, a diary day or a call loaded while an audited route answers is a read of the
        # contact it belongs to (their health and their whereabouts).
        track_reads(Quarantine, person_id=lambda q: q.person_id)
        track_reads(DiaryEntry, person_id=lambda e: e.quarantine.person_id)
        track_reads(Call, person_id=lambda c: c.quarantine.person_id)
