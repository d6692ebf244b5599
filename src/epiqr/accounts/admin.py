from django.contrib import admin
from django.contrib.auth.admin import UserAdmin as BaseUserAdmin

from .models import ApiToken, User


@admin.register(User)
class UserAdmin(BaseUserAdmin):
    list_display = [
        "username",
        "first_name",
        "last_name",
        "role",
        "province",
        "commune",
        "org_kind",
        "org_id",
    ]
    list_filter = ["role", "province"]
    fieldsets = [
        *BaseUserAdmin.fieldsets,
        ("EpiQR", {"fields": ["role", "phone", "province", "commune", "org_kind", "org_id"]}),
    ]
    autocomplete_fields = ["commune"]
    raw_id_fields = ["province"]


@admin.register(ApiToken)
class ApiTokenAdmin(admin.ModelAdmin):
    list_display = ["user", "name", "prefix", "created_at", "last_used_at", "revoked_at"]
    readonly_fields = ["prefix", "secret_hash"]
