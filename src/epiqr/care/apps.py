from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class CareConfig(AppConfig):
    name = "epiqr.care"
    label = "care"
    verbose_name = _("F0 care and facilities")

    def ready(self) -> None:
        from epiqr.core import keyring
        from epiqr.core.audit import track_reads
        from epiqr.core.context import landing, nav_item
        from epiqr.core.permissions import Role

        from . import permissions
        from .models import Patient

        # A patient loaded while an audited route answers is a read of that F0's record (vital signs,
        # where they are cared for); routings and self-reports are shown with their patient loaded.
        track_reads(Patient, person_id=lambda p: p.person_id)
        keyring.purpose("release", label=_("Release papers (F0)"), max_validity_days=3660)
        nav_item(_("Treatment"), "care:home", permissions.VIEW)
        nav_item(_("F0 patients"), "care:patients", permissions.VIEW)
        landing(Role.FACILITY_COORDINATOR, "care:home")  # the coordinator's work: routings and beds
