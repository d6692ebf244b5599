from django.contrib import admin

from .models import LabResult, SamplingSession, SamplingSite, Tube, TubeMember


@admin.register(SamplingSite)
class SamplingSiteAdmin(admin.ModelAdmin):
    list_display = ("name", "commune")
    search_fields = ("name",)
    raw_id_fields = ("commune",)


@admin.register(SamplingSession)
class SamplingSessionAdmin(admin.ModelAdmin):
    list_display = ("day", "site", "team", "kind", "pool_size_limit")
    list_filter = ("kind", "day")
    raw_id_fields = ("site", "created_by")


@admin.register(Tube)
class TubeAdmin(admin.ModelAdmin):
    """Read-only: tubes change only through the sampling station, the lab desk and the API."""

    list_display = ("barcode", "session", "status", "member_count", "result")
    list_filter = ("status", "result")
    search_fields = ("barcode",)
    readonly_fields = [f.name for f in Tube._meta.fields]

    def has_add_permission(self, request):
        return False

    def has_change_permission(self, request, obj=None):
        return False


@admin.register(LabResult)
class LabResultAdmin(admin.ModelAdmin):
    list_display = ("tube", "value", "ct", "tested_at", "source", "entered_by", "superseded_at")
    raw_id_fields = ("tube", "entered_by")

    def has_add_permission(self, request):
        return False

    def has_change_permission(self, request, obj=None):
        return False


@admin.register(TubeMember)
class TubeMemberAdmin(admin.ModelAdmin):
    list_display = ("tube", "person", "outcome", "resulted_at", "notified_at")
    raw_id_fields = ("tube", "person", "session")

    def has_add_permission(self, request):
        return False

    def has_change_permission(self, request, obj=None):
        return False
