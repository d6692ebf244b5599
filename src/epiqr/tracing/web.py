"""Turning service refusals into 4xx pages for the views of tracing and cases."""

from functools import wraps

from django.core.exceptions import PermissionDenied
from django.http import Http404, HttpResponse

from epiqr.core.errors import Forbidden, NotFound, ServiceError


def service_errors(view):
    """A ServiceError raised by a view becomes 404/403/4xx with its message, never a 500."""

    @wraps(view)
    def wrapper(request, *args, **kwargs):
        try:
            return view(request, *args, **kwargs)
        except NotFound as exc:
            raise Http404(exc.message) from exc
        except Forbidden as exc:
            raise PermissionDenied(exc.message) from exc
        except ServiceError as exc:
            return HttpResponse(exc.message, status=exc.status, content_type="text/plain; charset=utf-8")

    return wrapper
