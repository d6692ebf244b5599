"""Bench-only urlconf: the product's URLs plus a bare view that inserts one check-in row.

Selected in the benchmark's gunicorn process only (`DJANGO_SETTINGS_MODULE=bench.checkins_settings`);
never part of the product. The bare view goes through the same middleware, the same database settings and
the same worker, so the difference to /api/v1/checkins/scan is what the real scan path does on top:
token auth, signature and payload parsing, person lookup, isolation check, duplicate check.
"""

import json

from django.contrib.auth.decorators import login_not_required
from django.http import JsonResponse
from django.urls import path
from django.utils import timezone
from django.views.decorators.csrf import csrf_exempt

from epiqr.checkins.models import CheckIn
from epiqr.urls import urlpatterns as product_urlpatterns


@csrf_exempt
@login_not_required
def bare_insert(request):
    body = json.loads(request.body)
    row = CheckIn.objects.create(
        venue_id=body["venue_id"], person_id=body["person_id"], checked_in_at=timezone.now(), method="staff"
    )
    return JsonResponse({"id": row.pk})


@csrf_exempt
@login_not_required
def bare_dose(request):
    """The vaccination station's baseline: one dose row inserted, nothing checked (the number is the
    client's: a person's dose of a number is stored once)."""
    from epiqr.vaccination.models import Dose

    body = json.loads(request.body)
    row = Dose.objects.create(
        person_id=body["person_id"],
        number=body.get("number", 1),
        series_doses=2,
        product="PFIZER",
        given_at=timezone.now(),
        source="station",
        schedule="bench",
    )
    return JsonResponse({"id": row.pk})


urlpatterns = [
    path("bench/bare-insert", bare_insert),
    path("bench/bare-dose", bare_dose),
    *product_urlpatterns,
]
