from django.urls import path

from . import deployment_views, open_views, views

app_name = "dashboards"
urlpatterns = [
    path("", views.home, name="home"),
    path("map/", views.map_page, name="map"),
    path("activity/", views.activity_page, name="activity"),
    path("open/", open_views.open_home, name="open"),
    path("open/data.csv", open_views.open_data, {"fmt": "csv"}, name="open_csv"),
    path("open/data.json", open_views.open_data, {"fmt": "json"}, name="open_json"),
    path("open/venues/", open_views.safe_venues, name="safe_venues"),
    path("open/venues.csv", open_views.open_venues, {"fmt": "csv"}, name="open_venues_csv"),
    path("open/venues.xlsx", open_views.open_venues, {"fmt": "xlsx"}, name="open_venues_xlsx"),
    path("levels/", views.levels_list, name="levels"),
    path("levels/recompute/", views.recompute, name="recompute"),
    path("levels/<str:kind>/<int:code>/", views.level_history, name="level_history"),
    path("deployment/", deployment_views.progress, name="deployment"),
    path("deployment/calls/", deployment_views.calls, name="calls"),
    path("deployment/review/", deployment_views.review, name="review"),
    path("deployment/review/decide/", deployment_views.review_decide, name="review_decide"),
    path("deployment/deadline/", deployment_views.deadline, name="deadline"),
    path("deployment/match/", deployment_views.rematch, name="rematch"),
    path("deployment/import/", deployment_views.targets_import, name="targets_import"),
]
