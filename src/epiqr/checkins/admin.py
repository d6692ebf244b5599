from django.contrib import admin

from .models import CheckIn, HealthDeclaration, VenueDailyCount


@admin.register(CheckIn)
class CheckInAdmin(admin.ModelAdmin):
    """Read-only: check-ins are written by scans, uploads and imports, and removed only by the purge."""

    list_display = ("id", "venue", "person", "checked_in_at", "checked_out_at", "method", "has_symptoms")
    list_filter = ("method",)
    raw_id_fields = ("venue", "person")
    show_full_result_count = False  # never COUNT(*) the big table

    def has_add_permission(self, request):
        return False

    def has_change_permission(self, request, obj=None):
        return False


@admin.register(VenueDailyCount)
class VenueDailyCountAdmin(admin.ModelAdmin):
    list_display = ("venue", "day", "checkins", "people", "updated_at")
    raw_id_fields = ("venue",)
    date_hierarchy = "day"


@admin.register(HealthDeclaration)
class HealthDeclarationAdmin(admin.ModelAdmin):
    list_display = ("created_at", "kind", "full_name", "phone", "commune", "flagged", "followed_up_at")
    list_filter = ("kind", "flagged")
    raw_id_fields = ("person", "commune", "followed_up_by")
    search_fields = ("full_name", "phone", "id_number")
