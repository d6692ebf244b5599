from django.shortcuts import render

from epiqr.core.audit import reads_personal_data
from epiqr.core.permissions import requires

from . import permissions
from .selectors import OUTBOX, outbox_list_visible_to


@requires(permissions.VIEW_OUTBOX)
@reads_personal_data("notify.outbox")
def outbox(request):
    page = OUTBOX.get(outbox_list_visible_to(user=request.user), request.GET, user=request.user)
    return render(request, "notify/outbox.html", {"page": page}, status=400 if page.query.errors else 200)
