from datetime import date

from django.contrib import messages
from django.contrib.auth.decorators import login_not_required
from django.http import HttpResponse, JsonResponse
from django.shortcuts import redirect, render
from django.template.loader import render_to_string
from django.urls import reverse
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from epiqr.cases import permissions as case_permissions
from epiqr.cases.selectors import case_get_visible_to
from epiqr.checkins.selectors import device_checkin_ids
from epiqr.core import audit
from epiqr.core.audit import CITIZEN, WRITE_THEN_REDIRECT, no_personal_data, reads_personal_data
from epiqr.core.errors import ServiceError
from epiqr.core.input_guard import int_or_none
from epiqr.core.permissions import has_capability, requires
from epiqr.core.replica import replica_ok
from epiqr.core.services import job_start
from epiqr.core.timeutil import local_today
from epiqr.people.citizen import citizen_page
from epiqr.venues.models import Venue

from . import permissions, selectors, services
from .models import FollowUp


@requires(permissions.VIEW)
@reads_personal_data("tracing.runs")
@replica_ok()
def run_list(request):
    page = selectors.RUNS.get(
        selectors.run_list_visible_to(user=request.user), request.GET, user=request.user
    )
    return render(request, "tracing/runs.html", {"page": page}, status=400 if page.query.errors else 200)


@require_POST
@requires(permissions.RUN)
@no_personal_data(WRITE_THEN_REDIRECT)
def run_create(request, case_id: int):
    case = case_get_visible_to(user=request.user, case_id=case_id)
    policy_name = request.POST.get("policy") or None
    degree = int_or_none(request.POST.get("degree") or 1)
    if degree is None:
        messages.error(request, _("Degree must be 1 or 2."))
        return redirect("cases:detail", case_id=case.pk)
    try:
        run = services.run_request(case=case, policy_name=policy_name, degree=degree, actor=request.user)
    except ServiceError as exc:
        messages.error(request, exc.message)
        return redirect("cases:detail", case_id=case.pk)
    if run is None:
        messages.info(
            request,
            _("F2 tracing of case #%(id)s is running; you will get a message when it is ready.")
            % {"id": case.pk},
        )
        return redirect("cases:detail", case_id=case.pk)
    return redirect("tracing:run", run_id=run.pk)


@requires(permissions.VIEW)
@reads_personal_data("tracing.read", target=("tracing.tracingrun", "run_id"))
def run_detail(request, run_id: int):
    run = selectors.run_get_visible_to(user=request.user, run_id=run_id)
    page = selectors.CONTACTS.get(
        selectors.contact_list_visible_to(user=request.user, run=run), request.GET, user=request.user
    )
    audit.annotate(
        row_count=len(page.items),
        reason="page",
        detail={"page": page.number, **page.query.params()},
    )
    timeline = _timeline(run) if run.owned else None
    contacts = selectors.contacts_with_exposures(page.items)
    sources = selectors.contact_sources(user=request.user, run=run, contacts=contacts)
    rows = [(c, _first_exposure(c), sources.get(c.pk, [])) for c in contacts]
    at_venue = None
    if "venue" in page.query.values:  # set from the F0's timeline: a link "contacts met here"
        at_venue = Venue.objects.filter(pk=page.query.values["venue"]).first()
    return render(
        request,
        "tracing/run.html",
        {
            "run": run,
            "timeline": timeline,
            "page": page,
            "rows": rows,
            "visible_count": selectors.contact_list_visible_to(user=request.user, run=run).count(),
            "filing": selectors.run_filing(run=run),
            "at_venue": at_venue,
            "all_venues_url": page.url(venue=None, page=None),
            "statuses": FollowUp.choices,
            "transitions": services.TRANSITIONS,
            "can_follow": has_capability(request.user, permissions.FOLLOW_UP),
            "can_export": has_capability(request.user, permissions.EXPORT),
            "can_notify": has_capability(request.user, permissions.NOTIFY),
        },
        status=400 if page.query.errors else 200,
    )


def _timeline(run) -> list[dict]:
    """Where the F0 was: for the officers of the case's jurisdiction only."""
    venues = Venue.objects.in_bulk({v["venue_id"] for v in run.index_visits})
    return [
        {**v, "venue": venues.get(v["venue_id"]), "start_dt": _parse(v["start"]), "end_dt": _parse(v["end"])}
        for v in run.index_visits
    ]


def _first_exposure(contact):
    return min(contact.exposures, key=lambda e: (e.start, e.position), default=None)


def _parse(value):
    from datetime import datetime

    return datetime.fromisoformat(value) if value else None


@require_POST
@requires(permissions.RUN)
@no_personal_data(WRITE_THEN_REDIRECT)
def run_review(request, run_id: int):
    run = selectors.run_get_owned_by(user=request.user, run_id=run_id)
    services.run_mark_reviewed(run=run, actor=request.user)
    return redirect("tracing:run", run_id=run.pk)


@require_POST
@requires(permissions.FOLLOW_UP)
@reads_personal_data("tracing.contact_status", target=("tracing.contact", "contact_id"))
def contact_status(request, contact_id: int):
    contact = selectors.contact_get_visible_to(user=request.user, contact_id=contact_id)
    error = None
    try:
        contact = services.contact_transition(
            contact=contact,
            to=request.POST.get("status", ""),
            actor=request.user,
            note=request.POST.get("note", ""),
        )
    except ServiceError as exc:
        error = exc
    if request.htmx:
        contact = selectors.contact_get_visible_to(user=request.user, contact_id=contact_id)
        return render(
            request,
            "tracing/_status.html",
            {
                "c": contact,
                "transitions": services.TRANSITIONS,
                "statuses": FollowUp.choices,
                "can_follow": True,
                "error": error and error.message,
            },
            status=error.status if error else 200,
        )
    if error:
        messages.error(request, error.message)
    return redirect("tracing:run", run_id=contact.run_id)


@require_POST
@requires(permissions.FOLLOW_UP)
@no_personal_data(WRITE_THEN_REDIRECT)
def contact_case(request, contact_id: int):
    if not has_capability(request.user, case_permissions.OPEN):
        return HttpResponse(status=403)
    contact = selectors.contact_get_visible_to(user=request.user, contact_id=contact_id)
    try:
        case = services.contact_open_case(contact=contact, actor=request.user)
    except ServiceError as exc:
        messages.error(request, exc.message)
        return redirect("tracing:run", run_id=contact.run_id)
    messages.success(request, _("Case F0 #%(id)s opened.") % {"id": case.pk})
    return redirect("cases:detail", case_id=case.pk)


@require_POST
@requires(permissions.EXPORT)
@no_personal_data(
    "starts an export job: the export is audited when it runs (tracing.export) and when its file is downloaded (jobs.download)"
)
def run_export(request, run_id: int):
    """The export is written as a job (a run can have hundreds of thousands of contacts): its page shows
    the progress, then the file to download."""
    run = selectors.run_get_visible_to(user=request.user, run_id=run_id)
    fmt = request.POST.get("format", "xlsx")
    try:
        purpose = services.export_request_clean(fmt=fmt, purpose=request.POST.get("purpose", ""))
    except ServiceError as exc:
        messages.error(request, exc.message)
        return redirect("tracing:run", run_id=run.pk)
    job = job_start(
        kind="tracing.export",
        owner=request.user,
        title=_("Contacts of run #%(run)s (%(fmt)s)") % {"run": run.pk, "fmt": fmt.upper()},
        params={"run": run.pk, "format": fmt, "purpose": purpose},
        back_url=reverse("tracing:run", args=[run.pk]),
    )
    return redirect("jobs:detail", job_id=job.pk)


@require_POST
@requires(permissions.NOTIFY)
@reads_personal_data("tracing.notify", target=("tracing.tracingrun", "run_id"))
def run_notify(request, run_id: int):
    """First the preview (who gets what, how many, the daily cap); sending needs `confirm`."""
    run = selectors.run_get_visible_to(user=request.user, run_id=run_id)
    channel = request.POST.get("channel") if request.POST.get("channel") in ("sms", "email") else "sms"
    degree = int_or_none(request.POST.get("degree"))
    degree = degree if degree in (1, 2) else None
    if request.POST.get("confirm") != "1":
        plan = services.run_notify_plan(run=run, actor=request.user, channel=channel, degree=degree)
        return render(request, "tracing/notify_confirm.html", {"run": run, "plan": plan})
    try:
        counts = services.run_notify(run=run, actor=request.user, channel=channel, degree=degree)
    except ServiceError as exc:
        messages.error(request, exc.message)
        return redirect("tracing:run", run_id=run.pk)
    messages.success(
        request,
        _(
            "Messages sent: %(sent)s, failed: %(failed)s; already told about this exposure (not sent "
            "again): %(already)s; without phone/email: %(no_address)s."
        )
        % counts,
    )
    return redirect("tracing:run", run_id=run.pk)


@requires(permissions.RUN)
@reads_personal_data("tracing.triage")
@replica_ok()
def triage(request):
    """The day's cases with their contact counts, from one batch trace; nothing stored."""
    policies = selectors.policy_list()
    context = {"policies": policies, "rows": None}
    raw_day = (request.GET.get("day") or "").strip()
    try:
        day = date.fromisoformat(raw_day) if raw_day else local_today()
    except ValueError:
        messages.error(request, _("Give the day as YYYY-MM-DD."))
        return render(request, "tracing/triage.html", {**context, "day": local_today()})
    context.update(day=day, policy_name=request.GET.get("policy") or "")
    try:
        policy, rows = services.tracing_triage(
            actor=request.user, day=day, policy_name=context["policy_name"] or None
        )
    except ServiceError as exc:
        messages.error(request, exc.message)
        return render(request, "tracing/triage.html", context)
    return render(request, "tracing/triage.html", {**context, "policy": policy, "rows": rows})


@requires(permissions.CLUSTERS)
@reads_personal_data("tracing.clusters")
@replica_ok()
def clusters(request):
    days = max(1, min(int_or_none(request.GET.get("days")) or 14, 28))
    rows = selectors.cluster_list(user=request.user, days=days)
    return render(request, "tracing/clusters.html", {"clusters": rows, "days": days})


@login_not_required
@no_personal_data("the public risky-venue feed: venues and times, no people")
def feed(request):
    """Public on purpose: the risky-venue feed, no personal data."""
    days = max(1, min(int_or_none(request.GET.get("days")) or 14, 21))
    response = JsonResponse({"generated_days": days, "entries": selectors.risky_venue_feed(days=days)})
    response["Access-Control-Allow-Origin"] = "*"
    return response


@login_not_required
@citizen_page
@no_personal_data(CITIZEN)
def self_check(request):
    """Public on purpose: the visits a citizen's phone may see (see people.citizen) against the risky-venue feed."""
    from django.conf import settings

    citizen = request.citizen
    people = selectors.self_check(
        people=citizen.people,
        own_checkin_ids=device_checkin_ids(device=citizen.device),
        days=settings.EPIQR_RETENTION_DAYS,
    )
    return render(
        request, "tracing/self_check.html", {"people": people, "days": settings.EPIQR_RETENTION_DAYS}
    )


def case_panel(request, *, case) -> str:
    """The case page's tracing section (core.panels): run a trace, and the case's latest runs."""
    context = {
        "case": case,
        "runs": selectors.run_list_visible_to(user=request.user, case_id=case.pk)[:20],
        "policies": selectors.policy_list(),
    }
    return render_to_string("tracing/_case_panel.html", context, request=request)
