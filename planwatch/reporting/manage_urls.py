from django.urls import path

from planwatch.reporting import manage_views as views

app_name = "manage"

urlpatterns = [
    path("periods/", views.periods, name="periods"),
    path("periods/<str:period_code>/", views.period_edit, name="period"),
    path("revisions/", views.revisions, name="revisions"),
    path("audit/", views.audit, name="audit"),
    path("audit/export/", views.audit_export, name="audit_export"),
]
