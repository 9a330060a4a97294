"""The breakdown pages, mounted at /plans/<code>/breakdown/."""

from django.urls import path

from planwatch.breakdown import views

app_name = "breakdown"

urlpatterns = [
    path("", views.index, name="index"),
    path("<str:indicator_code>/", views.table, name="table"),
    path("<str:indicator_code>/breakdown.xlsx", views.download, name="download"),
    path("<str:indicator_code>/upload/", views.upload, name="upload"),
]
