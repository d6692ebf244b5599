from django.urls import path

from . import views

app_name = "venues"
urlpatterns = [
    path("", views.venue_list, name="list"),
    path("register/", views.signup, name="signup"),
    path("new/", views.venue_new, name="new"),
    path("import/", views.venue_import, name="import"),
    path("import/template.xlsx", views.import_template, name="import_template"),
    path("posters/", views.batch_posters, name="batch"),
    path("communes/", views.commune_options, name="commune_options"),
    path("<int:pk>/", views.venue_detail, name="detail"),
    path("<int:pk>/edit/", views.venue_edit, name="edit"),
    path("<int:pk>/safety/", views.venue_safety, name="safety"),
    path("<int:pk>/revoke/", views.venue_revoke, name="revoke"),
    path("<int:pk>/active/", views.venue_set_active, name="set_active"),
    path("<int:pk>/poster.pdf", views.venue_poster, {"kind": "pdf"}, name="poster_pdf"),
    path("<int:pk>/poster.png", views.venue_poster, {"kind": "png"}, name="poster_png"),
]
