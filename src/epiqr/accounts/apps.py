from django.apps import AppConfig


class AccountsConfig(AppConfig):
    name = "epiqr.accounts"
    label = "accounts"
