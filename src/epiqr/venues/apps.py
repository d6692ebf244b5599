from django.apps import AppConfig


class VenuesConfig(AppConfig):
    name = "epiqr.venues"
    label = "venues"
