from django.contrib import admin

from .models import LedgerItem, LedgerType


@admin.register(LedgerType)
class LedgerTypeAdmin(admin.ModelAdmin):
    list_display = ["code", "name_zh", "plan"]


@admin.register(LedgerItem)
class LedgerItemAdmin(admin.ModelAdmin):
    list_display = ["name", "ledger", "locality", "investment", "signed_on", "started_on", "producing_on"]
    list_filter = ["ledger", "locality", "status", "duplicate_flag"]
    search_fields = ["name", "identifier"]
