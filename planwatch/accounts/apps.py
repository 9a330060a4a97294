from django.apps import AppConfig


class AccountsConfig(AppConfig):
    name = "planwatch.accounts"
    label = "accounts"
