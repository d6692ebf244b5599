from django.urls import path

from . import views

app_name = "hotline"
urlpatterns = [
    path("", views.console, name="console"),
    path("queue/", views.queue, name="queue"),
    path("tickets/<int:ticket_id>/", views.ticket_detail, name="ticket"),
    path("tickets/<int:ticket_id>/act/", views.ticket_act, name="act"),
    path("stats/", views.stats, name="stats"),
    # The citizen's web form (public: a phone and a one-time code).
    path("request/", views.request_form, name="request"),
    path("request/code/", views.request_code, name="request_code"),
    path("request/sent/", views.request_sent, name="request_sent"),
]
