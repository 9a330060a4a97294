from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class ReportingConfig(AppConfig):
    name = "planwatch.reporting"
    label = "reporting"
    verbose_name = _("Reporting")

    def ready(self) -> None:
        from planwatch.reporting import jobs  # noqa: F401  (models are ready only now)
