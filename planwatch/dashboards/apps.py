from django.apps import AppConfig


class DashboardsConfig(AppConfig):
    name = "planwatch.dashboards"
    label = "dashboards"
    verbose_name = "Dashboards"
