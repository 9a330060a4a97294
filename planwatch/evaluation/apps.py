from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class EvaluationConfig(AppConfig):
    name = "planwatch.evaluation"
    label = "evaluation"
    verbose_name = _("Evaluation")

    def ready(self) -> None:
        # The plan file's `derived_indicators:` section is kept by this app: plans.loader loads and
        # exports it through the part registered here (plans, below evaluation, imports nothing of it).
        # Importing derived registers the metrics on the records below this app (reporting's values,
        # the audit log); supervision registers its own.
        from planwatch.evaluation import derived, plansync  # noqa: F401 - models are ready only now
        from planwatch.plans.loader import PlanPart, register_part

        register_part(PlanPart("derived_indicators", plansync.sync_derived, plansync.derived_dicts))
        # An evaluation run from the dashboard runs on the job runner: its kind of job registered here.
        from planwatch.evaluation import jobs  # noqa: F401
