from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class LedgersConfig(AppConfig):
    name = "planwatch.ledgers"
    label = "ledgers"
    verbose_name = _("Ledgers")

    def ready(self) -> None:
        # The plan file's `ledgers:` section is kept by this app: plans.loader loads and exports it
        # through the part registered here (plans, below ledgers, imports nothing of ledgers).
        from planwatch.ledgers import plansync  # models are ready only now
        from planwatch.plans.loader import PlanPart, register_part

        register_part(PlanPart("ledgers", plansync.sync_ledgers, plansync.ledger_dicts))
        # The values counted from the ledgers' rows, on the entry form (reporting, below ledgers).
        from planwatch.ledgers import services
        from planwatch.reporting.feeds import Feed, register_feed

        register_feed(Feed(services.accepted_counts, services.unwritten_values, services.derive_values))
        # A ledger workbook is imported on the job runner: its kind of job registered here.
        # A ledger row's changes in the audit log, named by its ledger's own words.
        from planwatch.kernel.models import register_namer
        from planwatch.ledgers import jobs, words  # noqa: F401

        register_namer("ledger_row", words.name_audit_fields)
