from django.contrib import admin

from planwatch.kernel.admin import ReadOnlyAdmin
from planwatch.notifications.models import Notification, Preference


@admin.register(Notification)
class NotificationAdmin(ReadOnlyAdmin):
    list_display = ["created_at", "user", "text_zh", "read_at", "emailed", "delivery"]
    list_filter = ["emailed"]


@admin.register(Preference)
class PreferenceAdmin(ReadOnlyAdmin):
    list_display = ["user", "email"]
