from django.contrib import admin

from .models import AreaPopulation, CommuneDayCount, LevelAssessment


@admin.register(AreaPopulation)
class AreaPopulationAdmin(admin.ModelAdmin):
    list_display = ("commune", "population", "adults", "source")
    raw_id_fields = ("commune",)


@admin.register(CommuneDayCount)
class CommuneDayCountAdmin(admin.ModelAdmin):
    list_display = ("commune", "day", "confirmed", "onset", "samples", "positives")
    raw_id_fields = ("commune",)


@admin.register(LevelAssessment)
class LevelAssessmentAdmin(admin.ModelAdmin):
    list_display = ("kind", "code", "day", "level", "policy", "trigger")
    list_filter = ("kind", "level")
