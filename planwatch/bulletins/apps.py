from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class BulletinsConfig(AppConfig):
    name = "planwatch.bulletins"
    label = "bulletins"
    verbose_name = _("Bulletins")

    def ready(self) -> None:
        # Bulletins in the inbox and told to their addressees; the job that builds a draft.
        from planwatch.bulletins import inbox, jobs  # noqa: F401  (models are ready only now)

        inbox.register_with_the_inbox()
