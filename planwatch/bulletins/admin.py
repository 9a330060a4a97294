from django.contrib import admin

from planwatch.bulletins.models import Bulletin


@admin.register(Bulletin)
class BulletinAdmin(admin.ModelAdmin):
    list_display = [
        "__str__",
        "period_code",
        "run",
        "includes_unaccepted",
        "sample",
        "created_by",
        "created_at",
    ]
    list_filter = ["plan", "period_code", "includes_unaccepted"]
    readonly_fields = ["run", "data_version", "data_hash"]
