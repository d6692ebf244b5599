from django.urls import path

from . import views

app_name = "testing"
urlpatterns = [
    path("", views.sessions, name="sessions"),
    path("sessions/new/", views.session_new, name="session_new"),
    path("sessions/<int:pk>/", views.session_detail, name="session"),
    path("sessions/<int:pk>/station/", views.station, name="station"),
    path("sessions/<int:pk>/station/scan/", views.station_scan, name="station_scan"),
    path("sessions/<int:pk>/station/photo/", views.station_photo, name="station_photo"),
    path("sessions/<int:pk>/manifest.csv", views.manifest_csv, name="manifest_csv"),
    path("sessions/<int:pk>/manifest.pdf", views.manifest_pdf, name="manifest_pdf"),
    path("sessions/<int:pk>/recall/", views.recall, name="recall"),
    path("tubes/<str:barcode>/", views.tube_detail, name="tube"),
    path("tubes/<str:barcode>/slips/", views.slips, name="slips"),
    path("lab/", views.lab, name="lab"),
    path("lab/import/", views.lab_import, name="lab_import"),
    path("lab/receive/", views.lab_receive, name="lab_receive"),
    path("stats/", views.stats, name="stats"),
    path("result/", views.lookup, name="lookup"),
    path("my/", views.my_results, name="my_results"),
]
