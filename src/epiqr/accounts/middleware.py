"""Rules every logged-in staff session obeys, whatever page or API route it asks for.

Citizens never log in (their remembered device is a separate signed cookie), so none of this
touches them.
"""

import time
from urllib.parse import urlencode

from django.conf import settings
from django.contrib import messages
from django.contrib.auth import logout
from django.http import HttpResponse
from django.shortcuts import redirect
from django.urls import reverse
from django.utils.translation import gettext as _

from epiqr.core.permissions import needs_second_factor

LAST_SEEN_KEY = "epiqr_last_seen"
# Write the last-seen time at most this often: one session write a minute, not one per request.
LAST_SEEN_RESOLUTION = 60


class StaffSessionGuard:
    """Signs a staff session out when it has not proved the second factor its role needs (a role
    raised while logged in, a session made some other way) or when it was idle longer than
    EPIQR_STAFF_IDLE_MINUTES. A page is then sent to the login page; the API answers 401."""

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        return self.get_response(request)

    def process_view(self, request, view_func, view_args, view_kwargs):
        user = getattr(request, "user", None)
        if user is None or not user.is_authenticated or request.path_info.startswith("/static/"):
            return None
        now = int(time.time())
        last = request.session.get(LAST_SEEN_KEY)
        idle_limit = settings.EPIQR_STAFF_IDLE_MINUTES * 60
        if needs_second_factor(user) and not user.is_verified():
            reason = _("Log in again with your second factor.")
        elif last is not None and idle_limit > 0 and now - int(last) > idle_limit:
            reason = _("You were logged out after %(minutes)d minutes without activity.") % {
                "minutes": settings.EPIQR_STAFF_IDLE_MINUTES
            }
        else:
            if last is None or now - int(last) >= LAST_SEEN_RESOLUTION:
                request.session[LAST_SEEN_KEY] = now
            return None
        logout(request)
        if request.path_info.startswith("/api/") or not getattr(view_func, "login_required", True):
            return None  # the API and public pages go on as for anyone not logged in
        messages.warning(request, reason)
        target = request.get_full_path() if request.method == "GET" else request.path
        login_url = f"{reverse(settings.LOGIN_URL)}?{urlencode({'next': target})}"
        if getattr(request, "htmx", False):  # a fragment request: send the whole page to the login
            response = HttpResponse(status=204)
            response["HX-Redirect"] = login_url
            return response
        return redirect(login_url)
