from django.apps import AppConfig


class CasesConfig(AppConfig):
    name = "epiqr.cases"
    label = "cases"
