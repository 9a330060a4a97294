from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class NotificationsConfig(AppConfig):
    name = "planwatch.notifications"
    label = "notifications"
    verbose_name = _("Notifications")

    def ready(self) -> None:
        from planwatch.kernel.jobs import job_finished
        from planwatch.notifications.jobs import tell_the_starter  # models are ready only now

        job_finished.connect(tell_the_starter, dispatch_uid="notifications.job_finished")
