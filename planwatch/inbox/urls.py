"""The inbox, mounted at /plans/<code>/inbox/."""

from django.urls import path

from planwatch.inbox import views

app_name = "inbox"

urlpatterns = [
    path("", views.home, name="home"),
    path("count/", views.badge, name="count"),
    path("read/", views.mark_read, name="read"),
    path("notifications/<int:pk>/", views.open_note, name="open"),
    path("email/", views.preference, name="preference"),
]
