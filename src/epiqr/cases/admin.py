from django.contrib import admin

from .models import Case


@admin.register(Case)
class CaseAdmin(admin.ModelAdmin):
    list_display = ("id", "person", "confirmed_on", "status", "source", "commune")
    list_filter = ("status", "source")
    raw_id_fields = ("person", "opened_by", "commune")
