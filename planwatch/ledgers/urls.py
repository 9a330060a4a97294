from django.urls import path

from . import views

app_name = "ledgers"

urlpatterns = [
    path("", views.index, name="index"),
    path("<slug:ledger>/", views.item_list, name="list"),
    path("<slug:ledger>/export.xlsx", views.export, name="export"),
    path("<slug:ledger>/import/", views.upload, name="import"),
    path("<slug:ledger>/funnel/", views.funnel, name="funnel"),
    path("<slug:ledger>/move-all/", views.move_all, name="move_all"),
    path("<slug:ledger>/derive/", views.derive, name="derive"),
    path("<slug:ledger>/duplicates/", views.duplicates, name="duplicates"),
    path("<slug:ledger>/items/new/", views.edit, name="add"),
    path("<slug:ledger>/items/<int:pk>/", views.item, name="item"),
    path("<slug:ledger>/items/<int:pk>/edit/", views.edit, name="edit"),
    path("<slug:ledger>/items/<int:pk>/transition/", views.transition, name="transition"),
    path("<slug:ledger>/items/<int:pk>/delete/", views.delete, name="delete"),
    path("<slug:ledger>/items/<int:pk>/evidence/", views.upload_evidence, name="upload_evidence"),
    path("<slug:ledger>/items/<int:pk>/evidence/<int:file_pk>/", views.download_evidence, name="evidence"),
    path(
        "<slug:ledger>/count/<str:locality_code>/<int:year>/<str:stage>/<str:kind>/",
        views.count_rows,
        name="count",
    ),
]
