"""Public trust lists and revocation lists of the signing purposes (core.keyring)."""

from django.urls import path

from . import views

app_name = "trust"
urlpatterns = [
    path("<slug:purpose>/keys.json", views.trust_list, name="keys"),
    path("<slug:purpose>/revocations.json", views.revocation_list, name="revocations"),
]
