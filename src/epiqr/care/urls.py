from django.urls import path

from . import views

app_name = "care"
urlpatterns = [
    path("", views.home, name="home"),
    path("surge/", views.surge, name="surge"),
    path("facilities/<int:facility_id>/", views.facility, name="facility"),
    path("facilities/<int:facility_id>/beds/", views.facility_beds, name="facility_beds"),
    path("facilities/<int:facility_id>/accept/", views.facility_accept, name="facility_accept"),
    path("routings/<int:routing_id>/decide/", views.routing_decide, name="routing_decide"),
    path("patients/", views.patients, name="patients"),
    path("patients/<int:patient_id>/", views.patient, name="patient"),
    path("patients/<int:patient_id>/act/", views.patient_act, name="patient_act"),
    path("patients/<int:patient_id>/release.pdf", views.release_pdf, name="release_pdf"),
    # The citizen's own page (behind the identity proof) and the public verifier of release papers.
    path("my/", views.my, name="my"),
    path("my/<uuid:release_code>.pdf", views.my_release_pdf, name="my_release_pdf"),
    path("verify/", views.verify, name="verify"),
]
