from django.contrib import admin

from .models import Commune, FormerName, Province


@admin.register(Province)
class ProvinceAdmin(admin.ModelAdmin):
    list_display = ["code", "name", "division_type"]
    search_fields = ["name", "name_folded"]


@admin.register(Commune)
class CommuneAdmin(admin.ModelAdmin):
    list_display = ["code", "name", "province"]
    list_filter = ["province"]
    search_fields = ["name", "name_folded"]


@admin.register(FormerName)
class FormerNameAdmin(admin.ModelAdmin):
    list_display = ["name", "district", "province_name", "commune", "whole"]
    search_fields = ["name_folded", "search_folded"]
    list_select_related = ["commune__province"]
