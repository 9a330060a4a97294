from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class BreakdownConfig(AppConfig):
    name = "planwatch.breakdown"
    label = "breakdown"
    verbose_name = _("Target breakdown")
