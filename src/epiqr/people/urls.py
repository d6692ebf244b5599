from django.urls import path

from . import views

app_name = "people"
urlpatterns = [
    path("", views.person_list, name="list"),
    path("new/", views.person_create, name="create"),
    path("my-qr/", views.my_qr, name="my_qr"),
    path("prove/", views.prove, name="prove"),
    path("prove/code/", views.prove_code, name="prove_code"),
    path("prove/card/", views.prove_card, name="prove_card"),
    path("verify-device/", views.verify_device, name="verify_device"),
    path("scan/", views.scan_check, name="scan_check"),
    path("scan/photo/", views.scan_photo, name="scan_photo"),
    path("<uuid:public_id>/", views.person_detail, name="detail"),
    path("<uuid:public_id>/edit/", views.person_edit, name="edit"),
    path("<uuid:public_id>/qr/", views.person_qr, name="qr"),
    path("<uuid:public_id>/qr/rotate/", views.person_qr_rotate, name="qr_rotate"),
]
