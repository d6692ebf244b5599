"""Public routes at the site root: /v/<token> is what every venue poster's QR code opens, /v the page
where a venue code printed under it is typed."""

from django.urls import path

from . import views

app_name = "public"
urlpatterns = [
    # The poster prints "<host>/v" for people who cannot scan; "/v/" is the same page.
    path("v", views.venue_code, name="venue_code"),
    path("v/", views.venue_code),
    path("v/<str:token>", views.venue_checkin, name="venue_checkin"),
    path("c/checkout", views.checkout, name="checkout"),
    path("c/mine", views.my_checkins, name="my_checkins"),
    path("c/forget", views.forget_device, name="forget_device"),
    path("declare/", views.declare, name="declare"),
    path("declare/d/<str:code>", views.declaration_check, name="declaration_check"),
]
