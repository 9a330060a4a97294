from django.urls import path

from planwatch.dashboards import views

app_name = "dashboards"

urlpatterns = [
    path("", views.overview, name="overview"),
    path("map.json", views.plan_map, name="map"),
    path("measures/<int:run_id>/<str:indicator_code>.json", views.measure, name="measure"),
    path("evaluate/", views.evaluate, name="evaluate"),
    path("localities/<str:locality_code>/", views.locality, name="locality"),
    path("indicators/<str:indicator_code>/", views.indicator, name="indicator"),
    path("indicators/<str:indicator_code>/data.csv", views.indicator_csv, name="indicator_csv"),
    path("indicators/<str:indicator_code>/data.xlsx", views.indicator_xlsx, name="indicator_xlsx"),
]
