from django.urls import path

from . import views

app_name = "quarantine"
urlpatterns = [
    path("", views.home, name="home"),
    path("calls/", views.calls, name="calls"),
    path("assign/", views.assign, name="assign"),
    path("<int:quarantine_id>/", views.detail, name="detail"),
    path("<int:quarantine_id>/act/", views.act, name="act"),
    # The contact's own diary (public: behind the identity proof of people.citizen).
    path("diary/", views.diary, name="diary"),
]
