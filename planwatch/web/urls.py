from django.contrib.auth import views as auth_views
from django.urls import path

from planwatch.accounts.views import PasswordChange
from planwatch.web import authoring, drafting, jobs, views

app_name = "web"

urlpatterns = [
    path("", views.home, name="home"),
    path("login/", auth_views.LoginView.as_view(), name="login"),
    path("logout/", auth_views.LogoutView.as_view(), name="logout"),
    path("password/", PasswordChange.as_view(), name="password_change"),
    path("jobs/<int:pk>/", jobs.job_page, name="job"),
    path("jobs/<int:pk>/status.json", jobs.job_status, name="job_status"),
    path("jobs/<int:pk>/retry/", jobs.job_retry, name="job_retry"),
    path("plan-file/", authoring.plan_file, name="plan_file_new"),
    path("plans/<slug:code>/", views.plan_detail, name="plan"),
    path("plans/<slug:code>/plan-file/", authoring.plan_file, name="plan_file"),
    path("plans/<slug:code>/key-fields/", views.key_fields, name="key_fields"),
    path("plans/<slug:code>/tasks/", views.tasks, name="tasks"),
    path("plans/<slug:code>/tasks/<str:task_code>/", views.task_detail, name="task"),
    path("plans/<slug:code>/indicators/", views.indicators, name="indicators"),
    path("plans/<slug:code>/indicators/<str:indicator_code>/", views.indicator_detail, name="indicator"),
    path("plans/<slug:code>/localities/", views.localities, name="localities"),
    path("plans/<slug:code>/units/", views.units, name="units"),
    path("plans/<slug:code>/source/", views.source_text, name="source"),
    path("plans/<slug:code>/manage/drafting/", drafting.new_draft, name="drafting"),
]
