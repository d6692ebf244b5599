"""A run's contacts go with it: deleted in chunks before the run (a case deleted in the admin takes its
runs along). The ORM's own cascade would name every contact of the run in one statement, and an F2 run
can hold more contacts than PostgreSQL takes parameters (65,535)."""

from django.db.models.signals import pre_delete

from .models import Contact, TracingRun

CHUNK = 10_000


def run_contacts_delete(sender, instance: TracingRun, **kwargs) -> None:
    while True:
        ids = list(Contact.objects.filter(run_id=instance.pk).values_list("pk", flat=True)[:CHUNK])
        if not ids:
            return
        Contact.objects.filter(pk__in=ids).delete()


def connect() -> None:
    pre_delete.connect(run_contacts_delete, sender=TracingRun, dispatch_uid="tracing.run_contacts_delete")
