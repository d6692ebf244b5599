from django_tasks import task

from .services import frames_purge as purge


@task()
def frames_purge() -> int:
    return purge()
