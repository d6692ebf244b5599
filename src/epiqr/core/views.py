from django.conf import settings
from django.contrib.auth.decorators import login_not_required
from django.db import connection
from django.http import JsonResponse
from django.shortcuts import render


@login_not_required
def home(request):
    return render(request, "core/home.html", {"hotline": settings.EPIQR_HOTLINE})


@login_not_required
def healthz(request):
    with connection.cursor() as cur:
        cur.execute("SELECT 1")
    return JsonResponse({"ok": True, "database": connection.vendor})
