from functools import cache
from pathlib import Path

from django.conf import settings
from django.contrib.auth.decorators import login_not_required
from django.db import connection
from django.http import HttpResponse, JsonResponse
from django.shortcuts import render
from django.utils.translation import gettext as _
from django.views.defaults import page_not_found


@login_not_required
def home(request):
    return render(request, "core/home.html", {"hotline": settings.EPIQR_HOTLINE})


@login_not_required
def favicon(request):
    """Browsers ask for /favicon.ico at the site root whatever a page links: the icon drawn by
    tools/favicon.py, from the installed static files."""
    return HttpResponse(
        _favicon_bytes(), content_type="image/x-icon", headers={"Cache-Control": "public, max-age=86400"}
    )


@cache
def _favicon_bytes() -> bytes:
    from django.contrib.staticfiles import finders

    return Path(finders.find("epiqr/favicon.ico")).read_bytes()


@login_not_required
def healthz(request):
    with connection.cursor() as cur:
        cur.execute("SELECT 1")
    return JsonResponse({"ok": True, "database": connection.vendor})


def not_found(request, exception):
    """404 for an address no route matches: JSON under /api/ (clients parse the answer), a page elsewhere."""
    if request.path_info.startswith("/api/"):
        return JsonResponse({"detail": _("Not found."), "code": "not_found"}, status=404)
    return page_not_found(request, exception)
