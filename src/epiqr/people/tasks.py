"""Background work of the person registry: sending proof codes, and the daily purge of old codes and phones."""

from django_tasks import task


@task()
def proof_code_send(challenge_id: int) -> bool:
    """Make and send the SMS code of a proof (nothing when the challenge matched nobody)."""
    from .services import proof_otp_deliver

    return proof_otp_deliver(challenge_id=challenge_id)


@task()
def devices_purge() -> dict:
    """Codes older than a day, expired proofs, phones idle longer than their cookie lives."""
    from .services import devices_purge as purge

    return purge()
