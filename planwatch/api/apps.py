from django.apps import AppConfig


class ApiConfig(AppConfig):
    name = "planwatch.api"
    label = "api"
