from django.contrib import admin

from .models import Team, TeamMember, Ticket, TicketEvent


class TeamMemberInline(admin.TabularInline):
    model = TeamMember
    raw_id_fields = ("user",)
    extra = 1


@admin.register(Team)
class TeamAdmin(admin.ModelAdmin):
    list_display = ("name", "kind", "province", "commune", "parent", "is_active")
    list_filter = ("kind", "is_active")
    raw_id_fields = ("commune", "parent")
    search_fields = ("name",)
    inlines = [TeamMemberInline]


class TicketEventInline(admin.TabularInline):
    model = TicketEvent
    raw_id_fields = ("by", "team")
    extra = 0
    can_delete = False


@admin.register(Ticket)
class TicketAdmin(admin.ModelAdmin):
    list_display = ("id", "category", "priority", "status", "team", "level", "due_at", "created_at")
    list_filter = ("status", "category", "priority", "source")
    raw_id_fields = ("commune", "province", "team", "assignee", "person", "case", "created_by")
    inlines = [TicketEventInline]
