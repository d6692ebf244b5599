from django.apps import AppConfig


class TestingConfig(AppConfig):
    name = "epiqr.testing"
    label = "testing"
