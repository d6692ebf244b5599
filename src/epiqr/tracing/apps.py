from django.apps import AppConfig


class TracingConfig(AppConfig):
    name = "epiqr.tracing"
    label = "tracing"
