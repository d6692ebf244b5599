from django.apps import AppConfig


class PeopleConfig(AppConfig):
    name = "epiqr.people"
    label = "people"
