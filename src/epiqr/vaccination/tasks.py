from django_tasks import task

from .services import reminders_send as send


@task()
def reminders_send() -> int:
    return send()
