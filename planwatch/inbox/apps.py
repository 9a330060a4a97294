from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class InboxConfig(AppConfig):
    name = "planwatch.inbox"
    label = "inbox"
    verbose_name = _("Inbox")

    def ready(self) -> None:
        # The listener of the review kernel's one `transitioned` signal: who is told of each move.
        from planwatch.inbox import events  # noqa: F401
