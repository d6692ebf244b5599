from django.contrib import admin

from .models import Venue


@admin.register(Venue)
class VenueAdmin(admin.ModelAdmin):
    list_display = ("name", "code", "sector", "commune", "owner", "is_active", "token_generation")
    list_filter = ("sector", "is_active")
    search_fields = ("name", "name_folded", "code", "address")
    raw_id_fields = ("commune", "owner")
    readonly_fields = ("code", "token_generation", "created_at", "updated_at")
