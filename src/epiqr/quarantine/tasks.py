"""Background work of the quarantine domain: the sweep that ends quarantines whose days are over."""

from django_tasks import task

from . import services


@task()
def quarantines_complete() -> int:
    """End every active quarantine whose follow-up days are over (safe to run twice)."""
    return services.quarantines_complete()


@task()
def diaries_chase() -> dict:
    """Remind contacts of a missed diary day and tell the officer after two (safe to run twice)."""
    return services.diaries_chase()
