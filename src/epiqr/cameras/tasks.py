from django_tasks import task


@task()
def frames_purge() -> int:
    from .services import frames_purge as purge

    return purge()
