from django.urls import path

from . import views

app_name = "vaccination"
urlpatterns = [
    path("", views.sessions, name="sessions"),
    path("sessions/new/", views.session_new, name="session_new"),
    path("sessions/<int:pk>/", views.session_detail, name="session"),
    path("sessions/<int:pk>/station/", views.station, name="station"),
    path("sessions/<int:pk>/station/scan/", views.station_scan, name="station_scan"),
    path("sessions/<int:pk>/station/record/", views.station_record, name="station_record"),
    path("sessions/<int:pk>/station/screening/", views.station_screening, name="station_screening"),
    path("sessions/<int:pk>/station/photo/", views.station_photo, name="station_photo"),
    path("sessions/<int:pk>/observation/", views.observation, name="observation"),
    path("sessions/<int:pk>/invitations/", views.invitations, name="invitations"),
    path("doses/<int:pk>/observed/", views.dose_observed, name="dose_observed"),
    path("doses/<int:pk>/aefi/", views.dose_aefi, name="dose_aefi"),
    path("people/<uuid:public_id>/", views.person_detail, name="person"),
    path("people/<uuid:public_id>/groups/", views.person_priority_group, name="person_groups"),
    path("certificates/<uuid:public_id>/revoke/", views.certificate_revoke, name="certificate_revoke"),
    path("my/", views.my_certificates, name="my"),
    path("my/<uuid:public_id>.pdf", views.my_certificate_pdf, name="my_pdf"),
    path("verify/", views.verify, name="verify"),
    path("verify/photo/", views.verify_photo, name="verify_photo"),
    path("door/", views.door, name="door"),
    path("import/", views.doses_import, name="import"),
]
