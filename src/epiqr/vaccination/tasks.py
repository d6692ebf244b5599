from django_tasks import task


@task()
def reminders_send() -> int:
    from .services import reminders_send as send

    return send()
