from django.contrib import admin
from django.contrib.auth import get_user_model
from django.contrib.auth.admin import UserAdmin

from planwatch.accounts.models import ApiToken
from planwatch.kernel.admin import ReadOnlyAdmin


@admin.register(ApiToken)
class ApiTokenAdmin(ReadOnlyAdmin):
    """Tokens are issued and revoked on the users page or by `planwatch create_token`, audited."""

    list_display = ["name", "user", "prefix", "created_at", "expires_at", "last_used_at", "revoked"]
    list_filter = ["revoked"]
    exclude = ["token_hash"]


class ReadOnlyUserAdmin(ReadOnlyAdmin, UserAdmin):
    """Users, their roles and passwords change on the users page or by `planwatch create_user`,
    audited (planwatch.accounts.actions); here they are only read."""


admin.site.unregister(get_user_model())
admin.site.register(get_user_model(), ReadOnlyUserAdmin)
