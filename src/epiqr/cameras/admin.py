from django.contrib import admin

from .models import Camera, CameraAlert, CrowdCount


@admin.register(Camera)
class CameraAdmin(admin.ModelAdmin):
    list_display = ("name", "code", "kind", "commune", "threshold", "active")
    list_filter = ("kind", "active")
    raw_id_fields = ("commune", "checkpoint", "household")


@admin.register(CameraAlert)
class CameraAlertAdmin(admin.ModelAdmin):
    list_display = ("camera", "kind", "at", "people", "notified")
    list_filter = ("kind",)
    raw_id_fields = ("camera",)
    readonly_fields = ("camera", "kind", "at", "people", "detail", "notified")


@admin.register(CrowdCount)
class CrowdCountAdmin(admin.ModelAdmin):
    list_display = ("camera", "at", "people")
    raw_id_fields = ("camera",)
