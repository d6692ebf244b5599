from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class TracingConfig(AppConfig):
    name = "epiqr.tracing"
    label = "tracing"
    verbose_name = _("Tracing")

    def ready(self) -> None:
        from django.db.models.signals import post_delete, post_save, pre_delete

        from epiqr.core import panels
        from epiqr.core.context import nav_item

        from . import permissions, policies, services, views
        from .models import TracingPolicy, TracingRun

        pre_delete.connect(
            services.run_contacts_delete, sender=TracingRun, dispatch_uid="tracing-run-contacts"
        )
        for signal in (post_save, post_delete):
            signal.connect(policies.policy_cache_clear, sender=TracingPolicy, dispatch_uid="tracing-policies")

        nav_item(_("Tracing"), "tracing:runs", permissions.VIEW)
        nav_item(_("Clusters"), "tracing:clusters", permissions.CLUSTERS)

        from epiqr.notify.selectors import outbox_commune

        from .selectors import run_commune

        outbox_commune("tracing.contact", lambda contact: contact.commune_id)
        outbox_commune("tracing.tracingrun", run_commune)
        panels.register("cases.detail", views.case_panel)
