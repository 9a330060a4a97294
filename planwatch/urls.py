from django.contrib import admin
from django.urls import include, path

from planwatch.api.api import api

urlpatterns = [
    path("admin/", admin.site.urls),
    path("api/v1/", api.urls),
    path("i18n/", include("django.conf.urls.i18n")),
    path("plans/<slug:code>/report/", include("planwatch.reporting.urls")),
    path("plans/<slug:code>/excel/", include("planwatch.reporting.excel_urls")),
    path("", include("planwatch.web.urls")),
]
