from django.contrib.auth.middleware import LoginRequiredMiddleware


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
        from django.http import HttpResponse
        from django.shortcuts import render

        from .errors import ServiceError

        if not isinstance(exception, ServiceError):
            return None
        if getattr(request, "htmx", False):  # a fragment request: answer with the message alone
            return HttpResponse(
                exception.message, status=exception.status, content_type="text/plain; charset=utf-8"
            )
        return render(
            request,
            "core/refused.html",
            {"message": exception.message, "code": exception.code, "status": exception.status},
            status=exception.status,
        )
