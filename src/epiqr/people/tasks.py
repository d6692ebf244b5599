"""Background work of the person registry: the daily purge of old codes and phones (the proof code is sent
by `services.proof_code_send`, next to the service that queues it)."""

from django_tasks import task

from . import services


@task()
def devices_purge() -> dict:
    """Codes older than a day, expired proofs, phones idle longer than their cookie lives."""
    return services.devices_purge()
