from django.urls import path

from . import views

app_name = "checkpoints"
urlpatterns = [
    path("", views.checkpoint_list, name="checkpoints"),
    path("<int:checkpoint_id>/", views.checkpoint_detail, name="checkpoint"),
    path("station/", views.station_pick, name="station_pick"),
    path("station/<int:checkpoint_id>/", views.station, name="station"),
    path("sw.js", views.service_worker, name="service_worker"),
    path("permits/", views.permit_list, name="permits"),
    path("permits/apply/", views.permit_apply, name="apply"),
    path("permits/import/", views.permit_import, name="import"),
    path("permits/import/template.xlsx", views.import_template, name="import_template"),
    path("permits/decide/", views.permits_decide, name="decide"),
    path("permits/<int:permit_id>/", views.permit_detail, name="permit"),
    path("permits/<int:permit_id>/pdf/", views.permit_pdf, name="permit_pdf"),
    path("permits/<int:permit_id>/revoke/", views.permit_revoke, name="revoke"),
    path("p/<str:token>/", views.holder_permit, name="holder_permit"),
]
