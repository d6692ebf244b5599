from django.contrib import admin

from .models import AdverseEvent, Certificate, Dose, Lot, Session, Site


@admin.register(Site)
class SiteAdmin(admin.ModelAdmin):
    list_display = ("name", "commune", "address")
    search_fields = ("name",)
    raw_id_fields = ("commune",)


@admin.register(Lot)
class LotAdmin(admin.ModelAdmin):
    list_display = ("product", "number", "expires_on")
    list_filter = ("product",)
    search_fields = ("number",)


@admin.register(Session)
class SessionAdmin(admin.ModelAdmin):
    list_display = ("day", "site", "team", "product", "lot")
    list_filter = ("product",)
    raw_id_fields = ("site", "lot", "created_by")


@admin.register(Dose)
class DoseAdmin(admin.ModelAdmin):
    list_display = ("person", "number", "product", "given_at", "source")
    list_filter = ("product", "source")
    raw_id_fields = ("person", "lot", "site", "session", "given_by")


@admin.register(AdverseEvent)
class AdverseEventAdmin(admin.ModelAdmin):
    list_display = ("dose", "severity", "onset_at")
    list_filter = ("severity",)
    raw_id_fields = ("dose", "recorded_by")


@admin.register(Certificate)
class CertificateAdmin(admin.ModelAdmin):
    list_display = ("uvci", "kind", "issued_at", "expires_at", "revoked_at")
    search_fields = ("uvci",)
    raw_id_fields = ("person", "dose")
