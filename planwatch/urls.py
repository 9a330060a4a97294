from django.contrib import admin
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect
from django.templatetags.static import static
from django.urls import include, path
from django.utils.translation import gettext_lazy as _

from planwatch.api.api import api
from planwatch.inbox.views import old_notifications
from planwatch.plans.models import Plan

admin.site.site_header = _("PlanWatch administration")
admin.site.site_title = "PlanWatch"
admin.site.index_title = _("Administration")


def api_docs(request: HttpRequest) -> HttpResponse:
    """/api/ and /api/v1/ have no page of their own: the API's documentation."""
    return redirect("api-1:openapi-view")


def manage_home(request: HttpRequest, code: str | None = None) -> HttpResponse:
    """The management section's first page (periods and locks) of the plan: the plan in the URL,
    else the only plan; with several plans and none named, the list of plans."""
    if code is None:
        codes = list(Plan.objects.values_list("code", flat=True)[:2])
        if len(codes) != 1:
            return redirect("web:home")
        code = codes[0]
    return redirect("manage:periods", code=code)


urlpatterns = [
    # Resolved per request: the static file's hashed name is known only after collectstatic.
    path("favicon.ico", lambda request: redirect(static("planwatch/favicon.svg"))),
    path("admin/", admin.site.urls),
    path("api/", api_docs),
    path("api/v1/", api_docs),  # before the API's own routes: it has none at its root
    path("api/v1/", api.urls),
    path("manage/", manage_home),
    path("plans/<slug:code>/manage/", manage_home),
    path("i18n/", include("django.conf.urls.i18n")),
    path("plans/<slug:code>/users/", include("planwatch.accounts.urls")),
    path("plans/<slug:code>/manage/", include("planwatch.reporting.manage_urls")),
    path("plans/<slug:code>/report/", include("planwatch.reporting.urls")),
    path("plans/<slug:code>/review/", include("planwatch.reporting.workbench_urls")),
    path("plans/<slug:code>/ledgers/", include("planwatch.ledgers.urls")),
    path("plans/<slug:code>/excel/", include("planwatch.reporting.excel_urls")),
    path("plans/<slug:code>/inbox/", include("planwatch.inbox.urls")),
    path("plans/<slug:code>/supervision/notifications/", old_notifications),  # now the inbox
    path("plans/<slug:code>/supervision/", include("planwatch.supervision.urls")),
    path("plans/<slug:code>/breakdown/", include("planwatch.breakdown.urls")),
    path("plans/<slug:code>/bulletins/", include("planwatch.bulletins.urls")),
    path("plans/<slug:code>/dashboard/", include("planwatch.dashboards.urls")),
    path("", include("planwatch.web.urls")),
]
