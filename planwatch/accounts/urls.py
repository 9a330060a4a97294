from django.urls import path

from planwatch.accounts import views

app_name = "accounts"

urlpatterns = [
    path("", views.users, name="users"),
    path("new/", views.user_edit, name="user_new"),
    path("<int:user_id>/", views.user_edit, name="user_edit"),
]
