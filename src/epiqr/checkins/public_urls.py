"""Public routes at the site root: /v/<token> is what every venue poster's QR code opens."""

from django.urls import path

from . import views

app_name = "public"
urlpatterns = [
    path("v/<str:token>", views.venue_checkin, name="venue_checkin"),
    path("c/checkout", views.checkout, name="checkout"),
    path("c/mine", views.my_checkins, name="my_checkins"),
    path("c/forget", views.forget_device, name="forget_device"),
    path("declare/", views.declare, name="declare"),
]
