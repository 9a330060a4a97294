from django.apps import AppConfig
from django.contrib.auth.signals import user_logged_in
from django.utils.translation import gettext_lazy as _


class WebConfig(AppConfig):
    name = "planwatch.web"
    label = "web"
    verbose_name = _("Web")

    def ready(self) -> None:
        from planwatch.web.middleware import renewed_at_login  # the app registry is ready only now

        user_logged_in.connect(renewed_at_login, dispatch_uid="planwatch.web.renewed_at_login")
