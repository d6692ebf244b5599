from django.apps import AppConfig


class NotifyConfig(AppConfig):
    name = "epiqr.notify"
    label = "notify"
