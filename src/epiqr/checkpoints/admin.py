from django.contrib import admin

from .models import Checkpoint, Organisation, Passage, Permit


@admin.register(Organisation)
class OrganisationAdmin(admin.ModelAdmin):
    list_display = ("name", "tax_code", "commune")
    search_fields = ("name", "tax_code")
    raw_id_fields = ("commune",)


@admin.register(Permit)
class PermitAdmin(admin.ModelAdmin):
    list_display = ("id", "holder_name", "organisation", "status", "valid_from", "valid_until")
    list_filter = ("status", "purpose")
    raw_id_fields = ("organisation", "commune", "applied_by", "decided_by")
    # Status moves only through the services (history, signature, revocation list, notices).
    readonly_fields = ("status", "payload", "kid", "decided_by", "decided_at", "revoked_at", "reason")


@admin.register(Checkpoint)
class CheckpointAdmin(admin.ModelAdmin):
    list_display = ("name", "code", "kind", "commune", "opens_at", "closes_at", "active")
    list_filter = ("kind", "active")
    raw_id_fields = ("commune",)
    filter_horizontal = ("officers",)


@admin.register(Passage)
class PassageAdmin(admin.ModelAdmin):
    list_display = ("checkpoint", "at", "outcome", "permit_serial", "source")
    list_filter = ("outcome", "source", "alert")
    raw_id_fields = ("checkpoint", "officer")
