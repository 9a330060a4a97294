"""Supervision pages, mounted at /plans/<code>/supervision/. Fixed first segments come first."""

from django.urls import path

from planwatch.supervision import views

app_name = "supervision"

urlpatterns = [
    path("", views.overview, name="overview"),
    path("milestone/<int:pk>/", views.milestone, name="milestone"),
    path("evidence/<int:pk>/", views.evidence, name="evidence"),
    path("task/<str:task_code>/", views.task, name="task"),
    path("<str:locality_code>/<int:year>/", views.action_plan, name="action_plan"),
]
