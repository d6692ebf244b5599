from django.urls import path

from . import views

app_name = "dashboards"
urlpatterns = [
    path("", views.home, name="home"),
    path("levels/recompute/", views.recompute, name="recompute"),
    path("levels/<str:kind>/<int:code>/", views.level_history, name="level_history"),
]
