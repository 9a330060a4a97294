from django.contrib import admin
from django.shortcuts import redirect
from django.templatetags.static import static
from django.urls import include, path
from django.utils.translation import gettext_lazy as _

from planwatch.api.api import api

admin.site.site_header = _("PlanWatch administration")
admin.site.site_title = "PlanWatch"
admin.site.index_title = _("Administration")

urlpatterns = [
    # Resolved per request: the static file's hashed name is known only after collectstatic.
    path("favicon.ico", lambda request: redirect(static("planwatch/favicon.svg"))),
    path("admin/", admin.site.urls),
    path("api/v1/", api.urls),
    path("i18n/", include("django.conf.urls.i18n")),
    path("plans/<slug:code>/users/", include("planwatch.accounts.urls")),
    path("plans/<slug:code>/manage/", include("planwatch.reporting.manage_urls")),
    path("plans/<slug:code>/report/", include("planwatch.reporting.urls")),
    path("plans/<slug:code>/ledgers/", include("planwatch.ledgers.urls")),
    path("plans/<slug:code>/excel/", include("planwatch.reporting.excel_urls")),
    path("plans/<slug:code>/supervision/", include("planwatch.supervision.urls")),
    path("plans/<slug:code>/bulletins/", include("planwatch.bulletins.urls")),
    path("plans/<slug:code>/dashboard/", include("planwatch.dashboards.urls")),
    path("", include("planwatch.web.urls")),
]
