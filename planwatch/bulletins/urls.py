"""Bulletin pages, mounted at /plans/<code>/bulletins/."""

from django.urls import path

from planwatch.bulletins import views

app_name = "bulletins"

urlpatterns = [
    path("", views.index, name="index"),
    path("generate/", views.generate, name="generate"),
    path("<int:pk>/<str:fmt>/", views.download, name="download"),
]
