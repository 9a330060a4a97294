from django.contrib import admin

from planwatch.kernel.admin import ReadOnlyAdmin

from .models import LedgerItem, LedgerType


@admin.register(LedgerType)
class LedgerTypeAdmin(ReadOnlyAdmin):
    """From the plan file's ledgers: change the file and load it again."""

    list_display = ["code", "name_zh", "plan"]


@admin.register(LedgerItem)
class LedgerItemAdmin(ReadOnlyAdmin):
    """Ledger rows change through the ledger's workflow only (planwatch.ledgers.services)."""

    list_display = ["name", "ledger", "locality", "investment", "signed_on", "started_on", "producing_on"]
    list_filter = ["ledger", "locality", "status", "duplicate_flag"]
    search_fields = ["name", "identifier"]
