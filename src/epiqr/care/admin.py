from django.contrib import admin

from .models import BedPool, Facility, Patient, Routing


class BedsInline(admin.TabularInline):
    model = BedPool
    extra = 0


@admin.register(Facility)
class FacilityAdmin(admin.ModelAdmin):
    list_display = ("name", "tier", "commune", "is_active")
    list_filter = ("tier", "is_active")
    search_fields = ("name",)
    raw_id_fields = ("commune",)
    filter_horizontal = ("coordinators",)
    inlines = [BedsInline]


@admin.register(Patient)
class PatientAdmin(admin.ModelAdmin):
    list_display = ("case", "severity", "status", "facility")
    list_filter = ("status", "severity")
    raw_id_fields = ("case", "person", "commune", "facility")


@admin.register(Routing)
class RoutingAdmin(admin.ModelAdmin):
    list_display = ("patient", "facility", "status", "proposed_at")
    list_filter = ("status",)
    raw_id_fields = ("patient", "facility", "proposed_facility", "decided_by")
