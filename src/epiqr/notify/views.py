from django.core.paginator import Paginator
from django.shortcuts import render

from epiqr.core.permissions import requires

from . import permissions
from .models import MessageStatus
from .selectors import outbox_counts, outbox_list_visible_to


@requires(permissions.VIEW_OUTBOX)
def outbox(request):
    status = request.GET.get("status") or None
    if status not in (None, *MessageStatus.values):
        status = None
    qs = outbox_list_visible_to(user=request.user, status=status)
    page = Paginator(qs, 50).get_page(request.GET.get("page"))
    counts = outbox_counts(qs=outbox_list_visible_to(user=request.user))
    return render(
        request,
        "notify/outbox.html",
        {"page": page, "status": status, "counts": counts, "statuses": MessageStatus.choices},
    )
