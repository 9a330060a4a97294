from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class AccountsConfig(AppConfig):
    name = "planwatch.accounts"
    label = "accounts"
    verbose_name = _("Users and access")

    def ready(self) -> None:
        # The permissions register themselves with `rules` when their module is imported.
        from planwatch.accounts import permissions  # noqa: F401
