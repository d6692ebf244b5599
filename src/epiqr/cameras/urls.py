from django.urls import path

from . import views

app_name = "cameras"
urlpatterns = [
    path("", views.camera_list, name="list"),
    path("<int:camera_id>/", views.camera_detail, name="detail"),
    path("alerts/<int:alert_id>/frame.jpg", views.alert_frame, name="alert_frame"),
]
