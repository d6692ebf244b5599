from django.urls import path

from . import views

app_name = "checkins"
urlpatterns = [
    path("station/", views.station_pick, name="station_pick"),
    path("station/<int:venue_id>/", views.station, name="station"),
    path("station/<int:venue_id>/photo", views.station_photo, name="station_photo"),
    path("venues/", views.venue_list, name="venue_list"),
    path("venues/<int:venue_id>/", views.venue_dashboard, name="venue_dashboard"),
    path("venues/<int:venue_id>/visitors", views.visitors, name="visitors"),
    path("venues/<int:venue_id>/screen", views.venue_screen, name="venue_screen"),
    path("officer/", views.officer, name="officer"),
    path("import/", views.checkin_import, name="import"),
    path("officer/declarations/<int:declaration_id>/done", views.declaration_done, name="declaration_done"),
]
