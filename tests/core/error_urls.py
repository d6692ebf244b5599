"""The project's URLs plus views that fail on purpose, for the error-page tests."""

from django.core.exceptions import BadRequest, PermissionDenied
from django.urls import path

from epiqr.urls import handler400, handler403, handler404, handler500, urlpatterns  # noqa: F401


def _boom(request, status: int):
    if status == 400:
        raise BadRequest("secret internal reason")
    if status == 403:
        raise PermissionDenied("secret internal reason")
    raise RuntimeError("secret internal reason")


urlpatterns = [path("boom/<int:status>/", _boom), *urlpatterns]
