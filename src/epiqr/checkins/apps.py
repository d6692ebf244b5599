from django.apps import AppConfig


class CheckinsConfig(AppConfig):
    name = "epiqr.checkins"
    label = "checkins"
