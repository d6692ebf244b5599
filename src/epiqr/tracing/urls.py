from django.urls import path

from . import views

app_name = "tracing"
urlpatterns = [
    path("", views.run_list, name="runs"),
    path("triage/", views.triage, name="triage"),
    path("cases/<int:case_id>/run/", views.run_create, name="run_create"),
    path("runs/<int:run_id>/", views.run_detail, name="run"),
    path("runs/<int:run_id>/review/", views.run_review, name="run_review"),
    path("runs/<int:run_id>/export/", views.run_export, name="run_export"),
    path("runs/<int:run_id>/notify/", views.run_notify, name="run_notify"),
    path("contacts/<int:contact_id>/status/", views.contact_status, name="contact_status"),
    path("contacts/<int:contact_id>/case/", views.contact_case, name="contact_case"),
    path("clusters/", views.clusters, name="clusters"),
    path("feed.json", views.feed, name="feed"),
    path("self-check/", views.self_check, name="self_check"),
]
