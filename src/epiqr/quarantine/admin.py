from django.contrib import admin

from .models import Call, DiaryEntry, Quarantine


@admin.register(Quarantine)
class QuarantineAdmin(admin.ModelAdmin):
    list_display = ("id", "contact", "policy", "regime", "start", "end", "follow_until", "status")
    list_filter = ("status", "policy")
    raw_id_fields = ("contact", "person", "source_case", "new_case", "commune", "placed_by")


@admin.register(DiaryEntry)
class DiaryEntryAdmin(admin.ModelAdmin):
    list_display = ("quarantine", "day", "source", "symptoms")
    raw_id_fields = ("quarantine", "by")


@admin.register(Call)
class CallAdmin(admin.ModelAdmin):
    list_display = ("quarantine", "by", "at", "outcome")
    raw_id_fields = ("quarantine", "by")
