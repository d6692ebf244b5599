"""Every page of the site, as each demo role sees it: the URL patterns walked with demo objects filled in.

Used by the language test (every page in Vietnamese, then in English) and by the phone test (every staff
page at 390 px in Chromium). A new URL pattern must either get its parameters here (PARAMS) or be listed
in NOT_PAGES with the reason, or the coverage test fails: no page escapes the walk.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from html.parser import HTMLParser

from django.urls import URLPattern, URLResolver, get_resolver, reverse

STAFF_LOGINS = (
    "admin",
    "demo-tinh",
    "demo-xa",
    "demo-chu-quan",
    "demo-nhan-vien",
    "demo-lay-mau",
    "demo-xet-nghiem",
    "demo-tiem-chung",
    "demo-dieu-phoi",
    "demo-chot",
    "demo-1022",
    "demo-to-chuc",
)

# URL names that are not HTML pages a person reads, and why (files, JSON, form targets, redirects).
NOT_PAGES = {
    "healthz": "JSON health check",
    "set_language": "form target (POST), redirects",
    "public:checkout": "form target (POST)",
    "public:forget_device": "form target (POST)",
    "accounts:logout": "form target (POST)",
    "accounts:token_create": "form target (POST)",
    "accounts:token_revoke": "form target (POST)",
    "people:scan_photo": "JSON answer to a photo upload (POST)",
    "people:qr_rotate": "form target (POST)",
    "venues:import_template": "XLSX file",
    "venues:commune_options": "htmx fragment: <option>s of a datalist",
    "venues:revoke": "form target (POST)",
    "venues:set_active": "form target (POST)",
    "venues:poster_pdf": "PDF file",
    "venues:poster_png": "PNG file",
    "checkins:station_photo": "JSON answer to a photo upload (POST)",
    "checkins:declaration_done": "form target (POST)",
    "cases:cancel": "form target (POST)",
    "dashboards:recompute": "form target (POST)",
    "dashboards:review_decide": "form target (POST)",
    "dashboards:deadline": "form target (POST)",
    "dashboards:rematch": "form target (POST)",
    "dashboards:open_csv": "public CSV file",
    "dashboards:open_json": "public JSON file",
    "dashboards:open_venues_csv": "public CSV file",
    "dashboards:open_venues_xlsx": "public XLSX file",
    "tracing:run_create": "form target (POST)",
    "tracing:run_review": "form target (POST)",
    "tracing:run_export": "XLSX/CSV file (POST, with a purpose)",
    "tracing:run_notify": "form target (POST)",
    "tracing:contact_status": "form target (POST)",
    "tracing:contact_case": "form target (POST)",
    "tracing:feed": "public JSON feed",
    "testing:station_scan": "htmx form target (POST)",
    "testing:station_photo": "JSON answer to a photo upload (POST)",
    "testing:manifest_csv": "CSV file",
    "testing:manifest_pdf": "PDF file",
    "testing:lab_import": "form target (POST)",
    "testing:lab_receive": "form target (POST)",
    "jobs:file": "a job's result file (XLSX, CSV or PDF)",
    "trust:keys": "public JSON trust list of a signing purpose",
    "trust:revocations": "public JSON revocation list of a signing purpose",
    "checkpoints:service_worker": "JavaScript (the station page's service worker)",
    "checkpoints:import_template": "XLSX file",
    "checkpoints:decide": "form target (POST)",
    "checkpoints:revoke": "form target (POST)",
    "checkpoints:permit_pdf": "PDF file",
    "cameras:alert_frame": "JPEG file (a frame kept for an alert, audited)",
    "vaccination:station_scan": "htmx form target (POST)",
    "vaccination:station_record": "htmx form target (POST)",
    "vaccination:station_screening": "htmx form target (POST)",
    "vaccination:station_photo": "JSON answer to a photo upload (POST)",
    "vaccination:observation": "htmx fragment: the observation timer list",
    "vaccination:dose_observed": "form target (POST)",
    "vaccination:verify_photo": "JSON answer to a photo upload (POST)",
    "vaccination:certificate_revoke": "form target (POST)",
    "vaccination:person_groups": "form target (POST)",
    "vaccination:my_pdf": "PDF file",
    "hotline:act": "form target (POST)",
    "quarantine:act": "form target (POST)",
    "care:surge": "form target (POST)",
    "care:facility_beds": "form target (POST)",
    "care:facility_accept": "form target (POST)",
    "care:routing_decide": "form target (POST)",
    "care:patient_act": "form target (POST)",
    "care:release_pdf": "PDF file",
    "care:my_release_pdf": "PDF file",
}


@dataclass(frozen=True)
class Page:
    name: str  # URL name, e.g. "testing:session"
    url: str


def _objects(user) -> dict[str, Callable[[], object]]:
    """Where each URL parameter comes from, chosen among what `user` may see when it matters."""
    from epiqr.cases.models import Case
    from epiqr.testing.models import SamplingSession, Tube
    from epiqr.tracing.models import TracingRun
    from epiqr.venues.models import Venue

    def venue():
        own = Venue.objects.filter(owner=user).order_by("pk").first() if user else None
        if own is None and user is not None and user.org_kind == "venue" and user.org_id:
            own = Venue.objects.filter(pk=user.org_id).first()
        return (
            own
            or Venue.objects.filter(commune__name="Phường Hoàn Kiếm", is_active=True).order_by("pk").first()
        )

    def job():
        from epiqr.core.models import Job

        return Job.objects.filter(owner=user).order_by("pk").first() if user else None

    def person():
        from epiqr.people.models import Person

        return Person.objects.filter(commune__name="Phường Hoàn Kiếm").order_by("pk").first()

    def permit():
        from epiqr.checkpoints.models import Permit

        qs = Permit.objects.order_by("pk")
        if user is not None and user.org_kind == "organisation" and user.org_id:
            qs = qs.filter(organisation_id=user.org_id)
        return qs.filter(status="approved").first() or qs.first()

    def checkpoint():
        from epiqr.checkpoints.models import Checkpoint

        qs = Checkpoint.objects.order_by("pk")
        return (qs.filter(officers=user).first() if user is not None else None) or qs.first()

    return {
        "venue": venue,
        "person": person,
        "job": job,
        "permit": permit,
        "checkpoint": checkpoint,
        "case": lambda: Case.objects.order_by("pk").first(),
        "run": lambda: TracingRun.objects.order_by("pk").first(),
        "session": lambda: SamplingSession.objects.filter(tubes__isnull=False).order_by("pk").first(),
        "tube": lambda: Tube.objects.exclude(status="open").order_by("pk").first(),
        "ticket": lambda: _ticket(user),
        "user": lambda: user,
    }


def _care_facility(user):
    """A facility the user may see (the first of all when they see none)."""
    from epiqr.care.models import Facility
    from epiqr.care.selectors import facility_list_visible_to

    mine = facility_list_visible_to(user=user).order_by("pk").first() if user is not None else None
    return mine or Facility.objects.order_by("pk").first()


def _care_patient(user):
    """A patient the user may see (the first of all when they see none)."""
    from epiqr.care.models import Patient
    from epiqr.care.selectors import patient_list_visible_to

    mine = patient_list_visible_to(user=user).order_by("pk").first() if user is not None else None
    return mine or Patient.objects.order_by("pk").first()


def _ticket(user):
    """A hotline request the user may see (the first of all when they see none)."""
    from epiqr.hotline.models import Ticket
    from epiqr.hotline.selectors import ticket_list_visible_to

    mine = ticket_list_visible_to(user=user).order_by("pk").first() if user is not None else None
    return mine or Ticket.objects.order_by("pk").first()


def _token(venue) -> str:
    from epiqr.venues.selectors import venue_token

    return venue_token(venue=venue)


def _kwargs(name: str, objects: dict) -> dict | None:
    """The URL's parameters for this role; None when it has none to fill (the pattern is not walked)."""
    if name == "public:venue_checkin":
        return {"token": _token(objects["venue"]())}
    if name == "public:declaration_check":
        from epiqr.checkins.models import HealthDeclaration
        from epiqr.checkins.selectors import declaration_code

        return {"code": declaration_code(declaration=HealthDeclaration.objects.order_by("pk").first())}
    if name.startswith("people:") and name not in (
        "people:list",
        "people:create",
        "people:my_qr",
        "people:scan_check",
    ):
        return {"public_id": objects["person"]().public_id}
    if name in ("venues:detail", "venues:edit", "venues:safety"):
        return {"pk": objects["venue"]().pk}
    if name in ("checkins:station", "checkins:venue_dashboard", "checkins:visitors", "checkins:venue_screen"):
        return {"venue_id": objects["venue"]().pk}
    if name in ("jobs:detail", "jobs:progress"):
        job = objects["job"]()
        return {"job_id": job.pk} if job else None  # a job is its owner's alone; the demo starts none
    if name == "cases:detail":
        return {"case_id": objects["case"]().pk}
    if name == "tracing:run":
        return {"run_id": objects["run"]().pk}
    if name in ("testing:session", "testing:station", "testing:recall"):
        return {"pk": objects["session"]().pk}
    if name in ("vaccination:session", "vaccination:station", "vaccination:invitations"):
        from epiqr.vaccination.models import Session

        return {"pk": Session.objects.filter(doses__isnull=False).order_by("-day", "-pk").first().pk}
    if name == "vaccination:person":
        return {"public_id": objects["person"]().public_id}
    if name == "vaccination:dose_aefi":
        from epiqr.vaccination.models import Dose

        return {"pk": Dose.objects.filter(observe_until__isnull=False).order_by("pk").first().pk}
    if name == "care:facility":
        return {"facility_id": _care_facility(objects["user"]()).pk}
    if name == "care:patient":
        return {"patient_id": _care_patient(objects["user"]()).pk}
    if name == "hotline:ticket":
        return {"ticket_id": objects["ticket"]().pk}
    if name == "quarantine:detail":
        from epiqr.quarantine.models import Quarantine

        q = Quarantine.objects.order_by("pk").first()
        return {"quarantine_id": q.pk} if q else None
    if name in ("testing:tube", "testing:slips"):
        return {"barcode": objects["tube"]().barcode}
    if name == "dashboards:level_history":
        return {"kind": "commune", "code": objects["person"]().commune_id}
    if name == "checkpoints:permit":
        return {"permit_id": objects["permit"]().pk}
    if name == "checkpoints:holder_permit":
        from epiqr.checkpoints.models import Permit
        from epiqr.checkpoints.selectors import permit_link

        link = permit_link(permit=Permit.objects.filter(status="approved").order_by("pk").first())
        return {"token": link.rstrip("/").rsplit("/", 1)[1]}
    if name == "cameras:detail":
        from epiqr.cameras.models import Camera

        camera = Camera.objects.order_by("pk").first()
        return {"camera_id": camera.pk} if camera else None
    if name in ("checkpoints:checkpoint", "checkpoints:station"):
        return {"checkpoint_id": objects["checkpoint"]().pk}
    return {}


def url_names() -> list[tuple[str, bool]]:
    """(name, takes parameters) of every URL pattern outside the API and the Django admin."""
    out: list[tuple[str, bool]] = []

    def walk(patterns, namespace: str | None, prefix: str) -> None:
        for p in patterns:
            if isinstance(p, URLResolver):
                route = prefix + str(p.pattern)
                if route.startswith(("api/", "admin/")):
                    continue
                walk(p.url_patterns, p.namespace or namespace, route)
            elif isinstance(p, URLPattern) and p.name:
                out.append(((f"{namespace}:" if namespace else "") + p.name, bool(p.pattern.converters)))

    walk(get_resolver().url_patterns, None, "")
    return out


def pages_for(user) -> Iterator[Page]:
    """Every HTML page's address, parameters filled with objects this user may see."""
    objects = _objects(user)
    for name, has_params in url_names():
        if name in NOT_PAGES:
            continue
        kwargs = _kwargs(name, objects) if has_params else {}
        if kwargs is None:
            continue
        yield Page(name, reverse(name, kwargs=kwargs or None))


def admin_pages() -> Iterator[Page]:
    """The Django admin: its index, and for every registered model its list, add form and one change form."""
    from django.contrib import admin

    yield Page("admin:index", reverse("admin:index"))
    for model, model_admin in admin.site._registry.items():
        meta = model._meta
        if not meta.app_config.name.startswith("epiqr."):
            continue  # the tables of the packages we use (logins, devices, tasks) keep their own labels
        base = f"admin:{meta.app_label}_{meta.model_name}"
        yield Page(f"{base}_changelist", reverse(f"{base}_changelist"))
        if model_admin.has_add_permission(_AdminRequest()):
            yield Page(f"{base}_add", reverse(f"{base}_add"))
        first = model._default_manager.order_by("pk").first()
        if first is not None:
            yield Page(f"{base}_change", reverse(f"{base}_change", args=[first.pk]))


class _AdminRequest:
    """Enough of a request for ModelAdmin.has_add_permission (a superuser asks)."""

    class user:  # noqa: N801 - stands for request.user
        is_active = is_staff = is_superuser = True

        @staticmethod
        def has_perm(*args, **kwargs):
            return True


def login(client, user) -> None:
    """A logged-in staff session in the test client, as after the login page."""
    client.force_login(user)


# --- reading what a page shows -------------------------------------------------------------------------

# Script and style are not read; a textarea holds what someone typed or stored, and <code> a literal value
# (a token, a column name, a word a file may contain): data, not the interface's language.
_SKIP_TAGS = {"script", "style", "template", "noscript", "textarea", "code"}
_TEXT_ATTRS = ("placeholder", "title", "aria-label", "alt")


class _Text(HTMLParser):
    """Text a person can read: text nodes, and the attributes a screen or a screen reader shows.

    In the Django admin the values of fields (read-only fields, the options of relations and permissions)
    are data, not interface, and the `alt` of its search icon is written in English in Django's template."""

    def __init__(self, admin: bool = False):
        super().__init__(convert_charrefs=True)
        self.parts: list[str] = []
        self.admin = admin
        self._skip: list[str] = []  # tags whose content is not read, innermost last

    def handle_starttag(self, tag, attrs):
        a = dict(attrs)
        classes = (a.get("class") or "").split()
        if tag in _SKIP_TAGS or (self.admin and (tag == "option" or "readonly" in classes)):
            self._skip.append(tag)
        elif self._skip and tag == self._skip[-1]:
            self._skip.append(tag)  # nested same tag inside a skipped one
        if self._skip:
            return
        for name in _TEXT_ATTRS:
            if a.get(name) and not (self.admin and name == "alt"):
                self.parts.append(a[name])
        if tag == "input" and a.get("type") in ("submit", "button") and a.get("value"):
            self.parts.append(a["value"])

    def handle_endtag(self, tag):
        if self._skip and tag == self._skip[-1]:
            self._skip.pop()

    def handle_data(self, data):
        if not self._skip and data.strip():
            self.parts.append(data)


def visible_texts(html: str, *, admin: bool = False) -> list[str]:
    parser = _Text(admin=admin)
    parser.feed(html)
    return [" ".join(p.split()) for p in parser.parts if p.strip()]


def joined(texts: list[str]) -> str:
    return " \n ".join(texts)


WORD = re.compile(r"\w+", re.UNICODE)
