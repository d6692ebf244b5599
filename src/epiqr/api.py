"""The JSON API (Django Ninja): one router per domain, authenticated by default.

Every refusal is an `ApiError` body ({"detail", "code", "field"}); the OpenAPI document lists, for every
operation, each status it may answer (epiqr.core.api_schema).
"""

from functools import wraps

from django.core.exceptions import ObjectDoesNotExist, PermissionDenied
from django.core.exceptions import ValidationError as DjangoValidationError
from django.http import Http404
from django.utils.translation import gettext as _
from ninja import NinjaAPI
from ninja.errors import AuthenticationError, HttpError
from ninja.errors import ValidationError as NinjaValidationError
from ninja.parser import Parser

from epiqr.accounts.api_auth import API_AUTH, bearer_user
from epiqr.core.api_schema import document_common_errors
from epiqr.core.domains import DOMAINS, domain_modules
from epiqr.core.errors import ServiceError
from epiqr.core.input_guard import json_loads


class GuardedParser(Parser):
    """JSON bodies through the project's rules (strict UTF-8, no NUL or lone surrogate, bounded depth)."""

    def parse_body(self, request):
        return json_loads(request.body)


class EpiqrAPI(NinjaAPI):
    def get_openapi_schema(self, *, path_prefix=None, path_params=None):
        return document_common_errors(
            super().get_openapi_schema(path_prefix=path_prefix, path_params=path_params)
        )


api = EpiqrAPI(
    title="EpiQR API",
    version="1",
    urls_namespace="api",
    auth=API_AUTH,
    parser=GuardedParser(),
    description=(
        "Check-ins, people, venues, tracing, testing. Authenticate with `Authorization: Bearer <token>`. "
        'Every error answers `{"detail": message, "code": stable code, "field": the field at fault}`.'
    ),
)


def _error(request, status: int, detail: str, code: str, **more):
    return api.create_response(request, {"detail": detail, "code": code, **more}, status=status)


@api.exception_handler(ServiceError)
def _service_error(request, exc: ServiceError):
    return api.create_response(request, exc.as_dict(), status=exc.status)


@api.exception_handler(HttpError)
def _http_error(request, exc: HttpError):
    # Ninja wraps whatever the body parser raised; the parser's own refusal says more than ninja's words.
    if isinstance(exc.__cause__, ServiceError):
        return _service_error(request, exc.__cause__)
    code = {400: "bad_request", 403: "forbidden", 404: "not_found", 429: "throttled"}.get(
        exc.status_code, "error"
    )
    return _error(request, exc.status_code, str(exc), code)


def _field(loc) -> str:
    """ninja's ("body", "body", "items", 0, "barcode") -> "items.0.barcode"; ("query", "page") -> "page"."""
    parts = [str(p) for p in loc[1:]]
    if loc and loc[0] == "body" and len(parts) > 1:
        parts = parts[1:]
    return ".".join(parts)


@api.exception_handler(NinjaValidationError)
def _invalid(request, exc: NinjaValidationError):
    errors = [
        {"field": _field(e.get("loc", ())), "detail": e.get("msg", ""), "type": e.get("type", "")}
        for e in exc.errors
    ]
    first = errors[0] if errors else {"field": "", "detail": ""}
    return _error(
        request,
        422,
        _("Invalid value for %(field)s: %(reason)s")
        % {"field": first["field"] or "body", "reason": first["detail"]},
        "invalid",
        field=first["field"] or None,
        errors=errors,
    )


@api.exception_handler(DjangoValidationError)
def _model_invalid(request, exc: DjangoValidationError):
    # A value an ORM lookup refuses (a malformed UUID...): the client's input, not the server's fault.
    return _error(request, 422, " ".join(exc.messages), "invalid")


@api.exception_handler(PermissionDenied)
def _forbidden(request, exc):
    return _error(request, 403, _("You are not allowed to do this."), "forbidden")


@api.exception_handler(ObjectDoesNotExist)
def _missing(request, exc):
    return _error(request, 404, _("Not found."), "not_found")


@api.exception_handler(Http404)
def _http404(request, exc):
    return _error(request, 404, _("Not found."), "not_found")


@api.exception_handler(AuthenticationError)
def _unauthorised(request, exc):
    return _error(request, 401, _("Log in or send a valid API token."), "unauthorised")


def bearer_direct(view, *, route: str, method: str, guards: tuple = ()):
    """One operation of this API (`view`, mounted at `route`) as a plain Django view for the requests that
    carry a valid bearer token, mounted ahead of the API's URLs (epiqr.urls).

    For the busiest route of a deployment (a station's scan): Ninja's dispatch (its URL list, the
    temporary response, the auth callbacks) is a tenth of a scan's own work. The same guards run (the
    operation's `decorate_view` ones), then the same function, and its errors get the same answers (the
    API's exception handlers, as Ninja's Operation.run calls them). Every other request (another method,
    a session, a token that does not authenticate) goes to Ninja's own view unchanged.
    """
    ninja_view = next(p.callback for p in api.urls[0] if str(p.pattern) == route)

    def run(request):
        try:
            return view(request)
        except Exception as exc:  # noqa: BLE001 - the API's handlers answer it or re-raise it, as in Ninja
            return api.on_exception(request, exc)

    for guard in guards:
        run = guard(run)

    @wraps(view)
    def entry(request, *args, **kwargs):
        if request.method == method:
            user = bearer_user(request)
            if user is not None:
                request.user = request.auth = user
                return run(request)
        return ninja_view(request, *args, **kwargs)

    entry.csrf_exempt = True  # type: ignore[attr-defined]  # as Ninja marks its views
    return entry


def _mount() -> None:
    """Each domain's `api.router` at `/api/v1/<domain>/` (core's jobs at `/api/v1/jobs/`)."""
    from importlib import import_module

    for domain, module in domain_modules("api", DOMAINS[1:]):
        api.add_router(f"/{domain}", module.router)
    api.add_router("/jobs", import_module("epiqr.core.api").router)


_mount()
