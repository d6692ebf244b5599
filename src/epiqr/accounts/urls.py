from django.contrib.auth import views as auth_views
from django.urls import path

from . import views

app_name = "accounts"
urlpatterns = [
    path("login/", views.LoginView.as_view(), name="login"),
    path("login/code/", views.second_factor, name="second_factor"),
    path("login/app/", views.enrol, name="enrol"),
    path("logout/", auth_views.LogoutView.as_view(), name="logout"),
    path("me/", views.profile, name="profile"),
    path("me/recovery-codes/", views.recovery_codes_new, name="recovery_codes"),
    path("me/tokens/", views.token_create, name="token_create"),
    path("me/tokens/<str:prefix>/revoke/", views.token_revoke, name="token_revoke"),
]
