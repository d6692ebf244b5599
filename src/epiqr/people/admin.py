from django.contrib import admin

from .models import IdentityDocument, Person


class IdentityDocumentInline(admin.TabularInline):
    model = IdentityDocument
    extra = 0
    fields = ["kind", "number", "issued_on"]


@admin.register(Person)
class PersonAdmin(admin.ModelAdmin):
    """For administrators' reference only; officers use the people pages, where scope and audit apply."""

    list_display = ["full_name", "birth_year", "sex", "phone", "commune"]
    search_fields = ["name_folded", "phone", "documents__number"]
    list_select_related = ["commune"]
    raw_id_fields = ["commune"]
    readonly_fields = ["public_id", "name_folded", "qr_generation", "created_at", "updated_at"]
    inlines = [IdentityDocumentInline]
