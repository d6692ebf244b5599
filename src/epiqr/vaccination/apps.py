from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class VaccinationConfig(AppConfig):
    name = "epiqr.vaccination"
    label = "vaccination"
    verbose_name = _("Vaccination")

    def ready(self) -> None:
        from django.db.models.signals import post_delete, post_save

        from epiqr.core import keyring, panels
        from epiqr.core.audit import track_reads
        from epiqr.core.context import nav_item

        from . import permissions, selectors, views
        from .models import Certificate, Dose, Invitation, Lot, Screening, Session, Site

        # The station's per-process session cache forgets every session when one, a site or a lot changes.
        for model in (Session, Site, Lot):
            post_save.connect(
                selectors.station_sessions_forget, sender=model, dispatch_uid=f"station-{model}"
            )
            post_delete.connect(
                selectors.station_sessions_forget, sender=model, dispatch_uid=f"station-del-{model}"
            )

        # Rows that say something of a person: loading one in an audited request is reading that person.
        track_reads(Dose, person_id=lambda dose: dose.person_id)
        track_reads(Screening, person_id=lambda note: note.person_id)
        track_reads(Invitation, person_id=lambda invitation: invitation.person_id)
        track_reads(Certificate, person_id=lambda certificate: certificate.person_id)

        # A DCC is valid for 12 months (QĐ 5772/QĐ-BYT): a retired key verifies that long.
        keyring.purpose("dcc", label=_("Vaccination certificates (EU DCC format)"), max_validity_days=366)
        nav_item(_("Vaccination"), "vaccination:sessions", permissions.VIEW)
        nav_item(_("Verify a certificate"), "vaccination:verify", None)
        nav_item(_("Door rules"), "vaccination:door", permissions.DOOR)
        panels.register("people.my_qr", views.status_panel)
        panels.register(
            "checkins.door_venue", lambda *, venue_id: selectors.venue_refuses_red(venue_id=venue_id)
        )
        panels.register(
            "checkins.door",
            lambda *, person_id, venue_id: selectors.door_refusal(person_id=person_id, venue_id=venue_id),
        )
