from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class CoreConfig(AppConfig):
    name = "epiqr.core"
    label = "core"
    verbose_name = _("System")

    def ready(self) -> None:
        from django.apps import apps

        # The background-task tables' admin section is named in English by their package; the models
        # inside have translatable names (core/django_strings.py gives the Vietnamese for them).
        if apps.is_installed("django_tasks_db"):
            apps.get_app_config("django_tasks_database").verbose_name = _("Background tasks")

        from . import checks  # noqa: F401 - registers the deployment checks
        from .context import nav_item

        nav_item(_("My jobs"), "jobs:list", last=True)

        # Every domain's declared events and their handlers (flows.py); a handler of an undeclared
        # event stops the start-up here.
        from .events import registry

        registry.load()

        # A configured read replica (core.replica): writes are watched on the primary's connection and
        # each request starts with nothing written.
        from django.core.signals import request_finished, request_started
        from django.db.backends.signals import connection_created

        from . import replica

        connection_created.connect(replica.on_connection_created, dispatch_uid="epiqr.replica.watch")
        request_started.connect(replica.unit_of_work_start, dispatch_uid="epiqr.replica.start")
        request_finished.connect(replica.unit_of_work_start, dispatch_uid="epiqr.replica.end")
