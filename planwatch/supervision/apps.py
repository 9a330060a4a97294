from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class SupervisionConfig(AppConfig):
    name = "planwatch.supervision"
    label = "supervision"
    verbose_name = _("Supervision")

    def ready(self) -> None:
        # Milestones done on time: a derived metric on this app's records, one row of the evaluation's
        # registry (evaluation, below supervision, cannot read milestones itself).
        from planwatch.evaluation.derived import register_metric
        from planwatch.supervision.derived import MILESTONES_ON_TIME  # models are ready only now

        register_metric(MILESTONES_ON_TIME)
