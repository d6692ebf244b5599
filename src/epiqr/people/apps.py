from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class PeopleConfig(AppConfig):
    name = "epiqr.people"
    label = "people"
    verbose_name = _("People")

    def ready(self) -> None:
        from epiqr.core.audit import track_reads
        from epiqr.core.context import nav_item

        from . import permissions
        from .models import Person

        # Every person loaded while an audited route answers is a person it read (core.audit).
        track_reads(Person, person_id=lambda person: person.pk)

        nav_item(_("People"), "people:list", permissions.VIEW)
        nav_item(_("Scanner check"), "people:scan_check", permissions.SCAN)
        nav_item(_("Confirm a citizen's phone"), "people:verify_device", permissions.VERIFY_DEVICE)
