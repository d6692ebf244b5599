"""Every route declared `@reads_personal_data` writes ONE audit event per request, with the actor, the
declared action and the people the answer showed (tests/core/test_audit_routes.py makes every route
declare). Requested as the administrator of the demo world; the people "shown" are found independently of
the mechanism: every person of the world whose name appears in the answer must be among those recorded."""

import html
import json
import re

import pytest
from django.test import Client

from epiqr.core.audit import PersonalRead, declaration_of
from epiqr.core.models import AuditEvent, AuditPerson
from tests.routes import all_routes, api_operations

# Declared routes that only answer POST, and the request each is tried with: (data, expected status).
POSTS = {
    "testing/sessions/<int:pk>/station/scan/": ({"payload": "NOT-A-CARD"}, 200),
    "testing/lab/import/": ({}, 422),
    "testing/lab/receive/": ({"barcode": "NOPE"}, 422),
    "tracing/runs/<int:run_id>/notify/": ({"channel": "sms"}, 200),
    "tracing/contacts/<int:contact_id>/status/": ({"status": "called"}, 302),
    "vaccination/sessions/<int:pk>/station/scan/": ({"payload": "NOT-A-CARD"}, 422),
    "vaccination/sessions/<int:pk>/station/record/": ({}, 409),  # nobody scanned yet
    "vaccination/sessions/<int:pk>/station/screening/": ({"note": "Khỏe"}, 409),
    "vaccination/doses/<int:pk>/observed/": ({}, 302),
}
# Routes whose parameters name another domain's object than the defaults of `world` (by pattern prefix).
PREFIX_VALUES = {"vaccination/sessions/": "vaccination_session", "vaccination/doses/": "dose"}
API_POSTS = {  # the status each POST below answers (a refusal must write no read event)
    "/api/v1/cases": 201,  # opened by the ID number of someone without a case: their record is read
    "/api/v1/tracing/runs": 201,
    "/api/v1/testing/tubes/{barcode}/members": 422,
    "/api/v1/testing/tubes/{barcode}/close": 409,
    "/api/v1/cases/{case_id}/cancel": 200,
    "/api/v1/checkpoints/verify": 403,  # the administrator is no officer of the checkpoint: no read
    "/api/v1/care/routings": 201,  # a routing proposed for a case: answered without the person's name
    "/api/v1/care/routings/{routing_id}/decision": 200,  # a routing declined with a reason
    "/api/v1/hotline/tickets": 201,  # a call filed: the request is answered with its caller
    "/api/v1/hotline/tickets/{ticket_id}/actions": 200,  # a note added: the request is answered again
    "/api/v1/quarantine/{quarantine_id}/calls": 201,  # a call logged: the quarantine is answered again
    "/api/v1/quarantine/{quarantine_id}/actions": 200,  # ended: the quarantine is answered again
}


@pytest.fixture(scope="module")
def world(demo_world, django_db_blocker):
    from epiqr.cameras.models import CameraAlert
    from epiqr.cases.models import Case
    from epiqr.checkins.models import HealthDeclaration
    from epiqr.checkins.selectors import declaration_code
    from epiqr.checkpoints.models import Checkpoint, Permit
    from epiqr.hotline.models import Ticket
    from epiqr.people.models import DocumentKind, IdentityDocument, Person
    from epiqr.testing.models import SamplingSession, Tube
    from epiqr.tracing.models import Contact, TracingRun

    with django_db_blocker.unblock():
        run = TracingRun.objects.filter(contacts__isnull=False).order_by("pk").first()
        session = SamplingSession.objects.filter(tubes__members__isnull=False).order_by("pk").first()
        names = {}
        for pk, name in Person.objects.values_list("pk", "full_name"):
            names.setdefault(name, set()).add(pk)
        values = {
            "public_id": Person.objects.filter(cases__isnull=False).order_by("pk").first().public_id,
            "case_id": Case.objects.order_by("pk").first().pk,
            "run_id": run.pk,
            "contact_id": Contact.objects.filter(run=run).order_by("pk").first().pk,
            "pk": session.pk,
            "session_id": session.pk,
            "barcode": Tube.objects.filter(session=session, members__isnull=False)
            .order_by("pk")
            .first()
            .barcode,
        }
        values["person_id"] = values["public_id"]
        values["permit_id"] = Permit.objects.filter(status="approved").order_by("pk").first().pk
        values["checkpoint_id"] = Checkpoint.objects.filter(passages__isnull=False).order_by("pk").first().pk
        values["alert_id"] = CameraAlert.objects.filter(frame__isnull=False).order_by("pk").first().pk

        from epiqr.vaccination.models import Dose

        dose = Dose.objects.filter(session__isnull=False).order_by("pk").first()
        values["vaccination_session"] = {"pk": dose.session_id}
        values["dose"] = {"pk": dose.pk}
        values["ticket_id"] = Ticket.objects.filter(person__isnull=False).order_by("pk").first().pk
        from epiqr.quarantine.models import Quarantine

        # The last of the demo's quarantines (the API test ends it; the pages walk the first).
        values["quarantine_id"] = Quarantine.objects.order_by("-pk").first().pk
        values["home_commune"] = demo_world["demo"]["home_commune"].pk
        from epiqr.care.models import Facility, Patient, Routing

        routed = Routing.objects.filter(status="proposed").order_by("pk").first()
        values["routing_id"] = routed.pk
        values["facility_id"] = Facility.objects.filter(patients__isnull=False).order_by("pk").first().pk
        values["patient_id"] = (
            Patient.objects.filter(reports__isnull=False, released_on__isnull=False).order_by("pk").first().pk
        )
        values["care_case_id"] = (
            Patient.objects.exclude(pk=routed.patient_id)
            .filter(case__status="active")
            .order_by("pk")
            .first()
            .case_id
        )
        declaration = HealthDeclaration.objects.filter(commune=demo_world["demo"]["home_commune"]).first()
        values["code"] = declaration_code(declaration=declaration)
        values["uncased_cccd"] = (
            IdentityDocument.objects.filter(kind=DocumentKind.CCCD, person__cases__isnull=True)
            .order_by("pk")
            .values_list("number", flat=True)
            .first()
        )
    return {**demo_world, "values": values, "names": names}


def _fill(pattern: str, values: dict) -> str:
    def one(match):
        return str(values[match.group(1)])

    return re.sub(r"[<{](?:\w+:)?(\w+)[>}]", one, pattern)


def _shown(body: str, names: dict) -> set[str]:
    """Names of people of the world that the answer shows (whole names, HTML or JSON)."""
    text = html.unescape(body)
    pattern = re.compile(
        r"(?<!\w)(" + "|".join(re.escape(n) for n in sorted(names, key=len, reverse=True)) + r")(?!\w)"
    )
    return set(pattern.findall(text))


def _check(where, response, before, *, actor, declared, names, problems):
    body = b"".join(response.streaming_content) if response.streaming else response.content
    events = list(AuditEvent.objects.filter(pk__gt=before).order_by("pk"))
    reads = [e for e in events if e.action == declared.action]
    if response.status_code >= 400:
        if reads:
            problems.append(f"{where}: refused ({response.status_code}) but audited as read")
        return None
    if len(reads) != 1:
        problems.append(
            f"{where}: {len(reads)} {declared.action} events (want 1): {[e.action for e in events]}"
        )
        return None
    event = reads[0]
    if event.actor_id != actor.pk:
        problems.append(f"{where}: actor {event.actor_id}, want {actor.pk}")
    recorded = set(AuditPerson.objects.filter(event=event).values_list("person_id", flat=True))
    if event.people_count != len(recorded):
        problems.append(f"{where}: people_count {event.people_count} but {len(recorded)} people stored")
    text = body.decode("utf-8", "replace") if "pdf" not in response.get("Content-Type", "") else ""
    for name in _shown(text, names):
        if not names[name] & recorded:
            problems.append(f"{where}: shows {name!r} but does not record them")
    return event


def test_every_declared_page_records_who_read_whom(world, db):
    admin = world["users"]["admin"]
    client = Client()
    problems, audited = [], 0
    for route in all_routes():
        declared = declaration_of(route.callback)
        if route.is_api or route.is_admin or not isinstance(declared, PersonalRead):
            continue
        if "<int:file_id>" in route.pattern:
            continue  # a job's file: tests/core/test_jobs.py (job.download) and test_exports_everywhere
        overrides = next(
            (
                world["values"][key]
                for prefix, key in PREFIX_VALUES.items()
                if route.pattern.startswith(prefix)
            ),
            {},
        )
        path = _fill("/" + route.pattern, {**world["values"], **overrides})
        client.force_login(admin)
        before = AuditEvent.objects.order_by("-pk").values_list("pk", flat=True).first() or 0
        if route.pattern in POSTS:
            data, status = POSTS[route.pattern]
            response = client.post(path, data)
        else:
            status = 200
            response = client.get(path)
        if status is not None and response.status_code != status:
            problems.append(f"GET/POST {path}: status {response.status_code}")
            continue
        event = _check(
            path, response, before, actor=admin, declared=declared, names=world["names"], problems=problems
        )
        audited += event is not None
    assert not problems, "\n".join(problems)
    assert audited >= 20  # the walk reached the declared pages


def test_every_declared_api_operation_records_who_read_whom(world, db):
    admin = world["users"]["admin"]
    api = Client(headers={"Authorization": f"Bearer {world['tokens']['admin']}"})
    problems, audited = [], 0
    values = world["values"]
    for method, path, handler in api_operations():
        declared = declaration_of(handler)
        if not isinstance(declared, PersonalRead):
            continue
        url = _fill(path, values)
        before = AuditEvent.objects.order_by("-pk").values_list("pk", flat=True).first() or 0
        if method == "GET":
            query = {"purpose": "kiểm tra nhật ký", "format": "csv"} if path.endswith("/export") else {}
            response = api.get(url, query)
            if response.status_code != 200:
                problems.append(f"GET {url}: status {response.status_code}")
                continue
        else:
            assert path in API_POSTS, f"teach test_audit_reads.API_POSTS how to call {method} {path}"
            response = api.post(url, json.dumps(_api_body(path, world)), content_type="application/json")
            if response.status_code != API_POSTS[path]:
                problems.append(f"POST {url}: status {response.status_code}, want {API_POSTS[path]}")
                continue
        event = _check(
            f"{method} {url}",
            response,
            before,
            actor=admin,
            declared=declared,
            names=world["names"],
            problems=problems,
        )
        audited += event is not None
    assert not problems, "\n".join(problems)
    assert audited >= 10


def _api_body(path: str, world: dict) -> dict:
    from epiqr.core.timeutil import local_today

    if path == "/api/v1/cases":
        return {"identifier": world["values"]["uncased_cccd"], "confirmed_on": local_today().isoformat()}
    if path == "/api/v1/tracing/runs":
        return {"case": world["values"]["case_id"]}
    if path.endswith("/members"):
        return {"payload": "NOT-A-CARD"}
    if path.endswith("/cancel"):
        return {"reason": "Kiểm tra nhật ký"}
    if path == "/api/v1/checkpoints/verify":
        return {"checkpoint": world["values"]["checkpoint_id"], "card": world["values"]["uncased_cccd"]}
    if path == "/api/v1/care/routings":
        return {"case_id": world["values"]["care_case_id"], "reason": "Kiểm tra nhật ký"}
    if path.endswith("/decision"):
        return {"decision": "decline", "reason": "Kiểm tra nhật ký"}
    if path == "/api/v1/hotline/tickets":
        return {"phone": "0912000111", "category": "other", "description": "Kiểm tra nhật ký",
                "commune_code": world["values"]["home_commune"]}  # fmt: skip
    if path == "/api/v1/quarantine/{quarantine_id}/calls":
        return {"outcome": "no_answer", "note": "Kiểm tra nhật ký"}
    if path == "/api/v1/quarantine/{quarantine_id}/actions":
        return {"action": "end"}
    if path.endswith("/actions"):
        return {"action": "note", "text": "Kiểm tra nhật ký"}
    return {}


def test_the_admin_pages_record_the_people_they_list(world, db):
    admin = world["users"]["admin"]
    client = Client()
    client.force_login(admin)
    before = AuditEvent.objects.order_by("-pk").values_list("pk", flat=True).first() or 0
    response = client.get("/admin/people/person/")
    assert response.status_code == 200
    event = AuditEvent.objects.get(pk__gt=before, action="admin.view")
    assert event.actor_id == admin.pk and event.people_count > 0
    shown = _shown(response.content.decode(), world["names"])
    recorded = set(AuditPerson.objects.filter(event=event).values_list("person_id", flat=True))
    assert shown and all(world["names"][n] & recorded for n in shown)
    # An admin page that lists nobody writes nothing.
    before = AuditEvent.objects.order_by("-pk").values_list("pk", flat=True).first()
    assert client.get("/admin/geo/province/").status_code == 200
    assert not AuditEvent.objects.filter(pk__gt=before).exists()
