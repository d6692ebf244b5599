from django.contrib import admin

from .models import TracingPolicy, TracingRun


@admin.register(TracingPolicy)
class TracingPolicyAdmin(admin.ModelAdmin):
    """Administrators add a new version when guidance changes; runs keep the snapshot they used."""

    list_display = ("name", "version", "rule", "effective_from", "is_default")
    list_filter = ("rule", "is_default")


@admin.register(TracingRun)
class TracingRunAdmin(admin.ModelAdmin):
    list_display = ("id", "case", "ran_at", "trigger", "status", "contact_count")
    readonly_fields = [f.name for f in TracingRun._meta.fields]

    def has_add_permission(self, request):
        return False
