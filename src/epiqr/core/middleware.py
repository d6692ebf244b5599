from django.contrib.auth.middleware import LoginRequiredMiddleware

from .errors import BadRequest, Invalid, ServiceError, TooLarge
from .input_guard import text_problem, text_refusal
from .views import back_url


class LoginRequiredExceptApi(LoginRequiredMiddleware):
    """Pages need a login unless marked `@login_not_required`; the API checks its own tokens."""

    def process_view(self, request, view_func, view_args, view_kwargs):
        if request.path_info.startswith(("/api/", "/static/")):
            return None
        return super().process_view(request, view_func, view_args, view_kwargs)


class VietnameseFirstLocale:
    """Vietnamese unless the person chose English (the language cookie set by /i18n/setlang/).

    The browser's Accept-Language is deliberately ignored: many phones in Vietnam are set to English, and
    the public pages must read the same to everyone in the queue.
    """

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        from django.conf import settings
        from django.utils import translation

        chosen = request.COOKIES.get(settings.LANGUAGE_COOKIE_NAME, "")
        language = chosen if chosen in dict(settings.LANGUAGES) else settings.LANGUAGE_CODE
        translation.activate(language)
        request.LANGUAGE_CODE = language
        response = self.get_response(request)
        response.headers.setdefault("Content-Language", language)
        return response


class ServiceErrorPages:
    """A service refusal that a view does not handle itself becomes a 4xx page with its message.

    Views that show the error inside a form catch ServiceError themselves; everything else (not found,
    out of scope, an impossible action) lands here instead of becoming a 500. The API has its own
    handlers in epiqr/api.py.
    """

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        return self.get_response(request)

    def process_exception(self, request, exception):
        from django.core.exceptions import ValidationError

        if isinstance(exception, ValidationError):  # an ORM lookup refused a value (a malformed UUID...)
            exception = Invalid(" ".join(exception.messages))
        if not isinstance(exception, ServiceError):
            return None
        return refusal_response(request, exception)


def refusal_response(request, exc):
    """A ServiceError as the client can read it: JSON for the API and for scripts (fetch, no text/html in
    Accept), the bare message for an htmx fragment, otherwise the refused page."""
    from django.http import HttpResponse, JsonResponse
    from django.shortcuts import render

    if request.path_info.startswith("/api/"):
        return JsonResponse(exc.as_dict(), status=exc.status)
    if getattr(request, "htmx", False) or request.headers.get("HX-Request"):  # a fragment: the message alone
        return HttpResponse(exc.message, status=exc.status, content_type="text/plain; charset=utf-8")
    if "text/html" not in request.headers.get("Accept", "text/html"):
        return JsonResponse(exc.as_dict(), status=exc.status)
    return render(
        request,
        "core/refused.html",
        {"message": exc.message, "code": exc.code, "status": exc.status, "back": back_url(request)},
        status=exc.status,
    )


class RequestGuard:
    """Refuses, before anything reads it, a request no view could handle: a body over EPIQR_MAX_BODY_BYTES
    (413), or a NUL character or unpaired surrogate in the path, the query string, a header or a form
    field (400; PostgreSQL refuses NUL in text). JSON bodies get the same rules in the API's parser
    (epiqr.core.input_guard.json_loads). Placed before the session and authentication middleware, which
    would otherwise look a NUL-bearing cookie or token up in the database.
    """

    FORM_TYPES = ("application/x-www-form-urlencoded", "multipart/form-data")

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        try:
            self.check(request)
        except ServiceError as exc:
            return refusal_response(request, exc)
        return self.get_response(request)

    def check(self, request) -> None:
        from django.conf import settings
        from django.core.exceptions import RequestDataTooBig, SuspiciousOperation
        from django.http.multipartparser import MultiPartParserError
        from django.utils.translation import gettext as _

        limit = settings.DATA_UPLOAD_MAX_MEMORY_SIZE
        try:
            length = int(request.META.get("CONTENT_LENGTH") or 0)
        except ValueError:
            raise BadRequest(_("The Content-Length header is not a number."), code="bad_length") from None
        if limit is not None and length > limit:
            raise TooLarge(
                _("The request is too large (over %(mb)s MB); send less at a time.")
                % {"mb": f"{limit / 1024 / 1024:.3g}"}
            )
        if problem := text_problem(request.path):
            raise text_refusal(problem, _("The address"))
        query = request.META.get("QUERY_STRING", "")
        if "%00" in query or "\x00" in query:
            raise text_refusal("nul", _("The query string"))
        for key, value in request.META.items():
            if key.startswith("HTTP_") and isinstance(value, str) and (problem := text_problem(value)):
                raise text_refusal(problem, _("The header %(name)s") % {"name": key[5:].replace("_", "-")})
        if request.method in ("GET", "HEAD", "OPTIONS") or request.content_type not in self.FORM_TYPES:
            return
        try:
            request.body  # noqa: B018 - read first, so that the view can still read the raw body
            fields = [*request.POST.lists(), *((k, [f.name for f in v]) for k, v in request.FILES.lists())]
        except RequestDataTooBig:
            raise TooLarge(_("The request is too large; send less at a time.")) from None
        except (MultiPartParserError, SuspiciousOperation, UnicodeDecodeError, ValueError):
            raise BadRequest(_("The form data could not be read."), code="bad_form") from None
        for key, values in fields:
            for text in (key, *values):
                if isinstance(text, str) and (problem := text_problem(text)):
                    raise text_refusal(problem, _("The field %(name)s") % {"name": text_safe(key)})


def text_safe(value: str) -> str:
    """`value` without the characters that made it refused, to name it in the message."""
    return value.replace("\x00", "").encode("utf-8", "replace").decode("utf-8")


class AuditReads:
    """Writes the audit event of every request to a route declared `reads_personal_data` (core.audit):
    one per request, after the answer is produced (a streamed file: when it ends), successes only."""

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        from . import audit

        reading, token = audit.begin()
        try:
            response = self.get_response(request)
        finally:
            audit.end(token)
        if reading.declared is None:
            return response
        status = response.status_code
        if response.streaming and status < 400:
            response.streaming_content = audit.stream_within(
                reading,
                response.streaming_content,
                lambda: audit.record(request=request, reading=reading, status=status),
            )
        else:
            audit.record(request=request, reading=reading, status=status)
        return response

    def process_view(self, request, view_func, view_args, view_kwargs):
        from . import audit

        match = getattr(request, "resolver_match", None)
        for namespace in match.namespaces if match else ():
            if namespace in audit.NAMESPACES:
                audit.declare_current(audit.NAMESPACES[namespace], view_kwargs)
        return None
