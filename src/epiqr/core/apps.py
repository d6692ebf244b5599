from django.apps import AppConfig


class CoreConfig(AppConfig):
    name = "epiqr.core"
    label = "core"
