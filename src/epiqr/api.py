"""The JSON API (Django Ninja): one router per domain, authenticated by default."""

from django.core.exceptions import ObjectDoesNotExist, PermissionDenied
from django.http import Http404
from django.utils.translation import gettext as _
from ninja import NinjaAPI
from ninja.errors import AuthenticationError

from epiqr.core.api_auth import API_AUTH
from epiqr.core.errors import ServiceError

api = NinjaAPI(
    title="EpiQR API",
    version="1",
    urls_namespace="api",
    auth=API_AUTH,
    description="Check-ins, people, venues, tracing, testing. Authenticate with `Authorization: Bearer <token>`.",
)


@api.exception_handler(ServiceError)
def _service_error(request, exc: ServiceError):
    return api.create_response(request, exc.as_dict(), status=exc.status)


@api.exception_handler(PermissionDenied)
def _forbidden(request, exc):
    return api.create_response(
        request, {"detail": _("You are not allowed to do this."), "code": "forbidden"}, status=403
    )


@api.exception_handler(ObjectDoesNotExist)
def _missing(request, exc):
    return api.create_response(request, {"detail": _("Not found."), "code": "not_found"}, status=404)


@api.exception_handler(Http404)
def _http404(request, exc):
    return api.create_response(request, {"detail": _("Not found."), "code": "not_found"}, status=404)


@api.exception_handler(AuthenticationError)
def _unauthorised(request, exc):
    return api.create_response(
        request, {"detail": _("Log in or send a valid API token."), "code": "unauthorised"}, status=401
    )


def _mount() -> None:
    from importlib import import_module

    for domain in (
        "people",
        "venues",
        "checkins",
        "cases",
        "tracing",
        "testing",
        "notify",
        "geo",
        "accounts",
    ):
        module = import_module(f"epiqr.{domain}.api")
        api.add_router(f"/{domain}", module.router)


_mount()
