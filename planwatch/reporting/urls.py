"""Reporting pages, mounted at /plans/<code>/report/: every view receives the plan's `code`.

Paths with a fixed first segment must come before `<locality_code>/<period_code>/`, which would
otherwise take any two-segment path.
"""

from django.urls import path

from planwatch.reporting import views

app_name = "reporting"

urlpatterns = [
    path("", views.home, name="home"),
    path("chase/<str:period_code>/", views.chase, name="chase"),
    path("<str:locality_code>/<str:period_code>/", views.entry, name="entry"),
    path(
        "<str:locality_code>/<str:period_code>/<str:indicator_code>/history/",
        views.history,
        name="history",
    ),
    path(
        "<str:locality_code>/<str:period_code>/<str:indicator_code>/evidence/",
        views.upload_evidence,
        name="upload_evidence",
    ),
    path(
        "<str:locality_code>/<str:period_code>/<str:indicator_code>/evidence/<int:pk>/",
        views.download_evidence,
        name="evidence",
    ),
]
