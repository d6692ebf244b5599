from django.apps import AppConfig


class GeoConfig(AppConfig):
    name = "epiqr.geo"
    label = "geo"
