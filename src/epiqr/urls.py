from django.contrib import admin
from django.contrib.auth.decorators import login_not_required
from django.urls import include, path
from django.views.generic import RedirectView
from django.views.i18n import set_language

from epiqr.api import api, bearer_direct
from epiqr.checkins import api as checkins_api
from epiqr.core import views as core_views
from epiqr.core.domains import DOMAINS, domain_modules

urlpatterns = [
    # The stations' scans, the busiest route, first and straight to their view (epiqr.api.bearer_direct).
    path(
        "api/v1/checkins/scan",
        bearer_direct(
            checkins_api.scan, route="checkins/scan", method="POST", guards=checkins_api.SCAN_GUARDS
        ),
    ),
    path("api/v1/", api.urls),
    path("", core_views.home, name="home"),
    path("healthz", core_views.healthz, name="healthz"),
    path("favicon.ico", core_views.favicon, name="favicon"),
    path("i18n/setlang/", login_not_required(set_language), name="set_language"),
    # The admin's own login would skip the second factor: it is our two-step login instead.
    path(
        "admin/login/",
        login_not_required(RedirectView.as_view(pattern_name="accounts:login", query_string=True)),
    ),
    path("admin/", admin.site.urls),
    path("jobs/", include("epiqr.core.urls", namespace="jobs")),
    path("trust/", include("epiqr.core.trust_urls", namespace="trust")),
    path("", include("epiqr.checkins.public_urls", namespace="public")),
    # Each domain's pages at /<domain>/ (core's are the jobs pages above).
    *[path(f"{d}/", include(module, namespace=d)) for d, module in domain_modules("urls", DOMAINS[1:])],
]

# Styled pages in the active language when DEBUG is off (DEBUG shows Django's technical pages instead).
handler400 = "epiqr.core.views.bad_request"
handler403 = "epiqr.core.views.permission_denied"
handler404 = "epiqr.core.views.page_not_found"
handler500 = "epiqr.core.views.server_error"
