from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class PlansConfig(AppConfig):
    name = "planwatch.plans"
    label = "plans"
    verbose_name = _("Plans")

    def ready(self) -> None:
        # The audit log names the plan's codes its events hold (地区 ZH → 珠海市): the kernel, below
        # plans, asks through the registry filled here.
        from planwatch.kernel.models import register_code_names  # models are ready only now
        from planwatch.plans import names

        for key, model in names.CODED.items():
            register_code_names(key, names.namer(model))
