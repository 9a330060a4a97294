"""The reviewer's workbench, mounted at /plans/<code>/review/: every view receives the plan's `code`.

`indicator/<indicator>/<period>/` has three segments and `<locality>/<period>/` two: neither takes
the other's paths.
"""

from django.urls import path

from planwatch.reporting import workbench

app_name = "review"

urlpatterns = [
    path("", workbench.index, name="index"),
    path("<str:locality_code>/<str:period_code>/", workbench.locality_page, name="locality"),
    path(
        "<str:locality_code>/<str:period_code>/validation/",
        workbench.validation_page,
        name="validation",
    ),
    path(
        "indicator/<str:indicator_code>/<str:period_code>/",
        workbench.indicator_page,
        name="indicator",
    ),
]
