"""The Excel round trip, mounted at /plans/<code>/excel/."""

from django.urls import path

from planwatch.reporting import excel_views

app_name = "excel"

urlpatterns = [
    path("", excel_views.upload, name="upload"),
    path(
        "template/<str:locality_code>/<str:period_code>/",
        excel_views.template_download,
        name="template",
    ),
]
