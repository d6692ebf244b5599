"""Camera pages for the officers of the jurisdiction: cameras with their last count and alerts, a camera's
counts and alerts, the frame kept for an alert (audited), a frame uploaded by hand (testing a camera)."""

from django.contrib import messages
from django.http import HttpResponse
from django.shortcuts import redirect, render
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET, require_http_methods

from epiqr.core import audit
from epiqr.core.audit import no_personal_data, reads_personal_data
from epiqr.core.errors import ServiceError
from epiqr.core.permissions import has_capability, requires

from . import forms, permissions, selectors, services, vision


@requires(permissions.VIEW)
@no_personal_data("cameras of the jurisdiction: places, kinds, last counts and numbers of alerts")
def camera_list(request):
    cameras = list(selectors.camera_list_visible_to(user=request.user))
    latest = selectors.crowd_latest(cameras=[c for c in cameras if c.kind == "crowd"])
    rows = [(c, latest.get(c.pk)) for c in cameras]
    return render(request, "cameras/list.html", {"rows": rows})


@requires(permissions.VIEW)
@require_http_methods(["GET", "POST"])
@no_personal_data(
    "a camera's counts and alerts (times and numbers); a frame opens on its own audited route, and codes in a"
    " frame read by hand are verified and audited like the gateway's"
)
def camera_detail(request, camera_id: int):
    camera = selectors.camera_get_visible(user=request.user, camera_id=camera_id)
    form = forms.FrameForm(request.POST or None, request.FILES or None)
    result = None
    can_feed = has_capability(request.user, permissions.FEED)
    if request.method == "POST" and can_feed and form.is_valid():
        blob = form.cleaned_data["frame"].read()
        try:
            if form.cleaned_data["reference"]:
                services.camera_reference_set(actor=request.user, camera=camera, blob=blob)
                messages.success(request, _("Empty-scene reference saved."))
                return redirect("cameras:detail", camera_id=camera.pk)
            result = services.frame_ingest(actor=request.user, code=camera.code, blob=blob)
        except ServiceError as exc:
            form.add_error("frame", exc.message)
    alerts = selectors.alert_list(camera=camera)
    counts = list(camera.counts.order_by("-at")[:30])
    return render(
        request,
        "cameras/detail.html",
        {"camera": camera, "alerts": alerts, "counts": counts, "form": form, "result": result, "can_feed": can_feed,
         "region": vision.region_check(camera.region), "frame_hours": services.frame_hours()},
        status=422 if form.errors else 200,
    )  # fmt: skip


@requires(permissions.VIEW)
@require_GET
@reads_personal_data("cameras.frame_view", target=("cameras.cameraalert", "alert_id"))
def alert_frame(request, alert_id: int):
    """The frame kept for one alert: personal data, every view audited."""
    frame = selectors.frame_get_visible(user=request.user, alert_id=alert_id)
    audit.annotate(row_count=1)
    response = HttpResponse(bytes(frame.image), content_type="image/jpeg")
    response["Cache-Control"] = "private, no-store"
    return response
