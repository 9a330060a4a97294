from django.apps import AppConfig


class WebConfig(AppConfig):
    name = "planwatch.web"
    label = "web"
