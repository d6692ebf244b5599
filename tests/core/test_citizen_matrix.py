"""Every public page and public API route, asked by a phone that registered with someone else's
identifiers, shows none of that person's data.

Hà (made up) is registered by her commune officer, checked in at a restaurant, was tested and declared her
health. A stranger's phone then checks in at a café typing (a) her ID number with his own name and phone,
(b) her name, phone and birth year, or (c) carries a first-version cookie naming her. His check-in is
linked to her for tracing (officers need it), and he sees his own visit under the name he typed, and
nothing else of hers, on every page the site serves without a login.

The routes are enumerated from the URL configuration and the API: a new public route fails this test
until it is filled in below, so it cannot be added without being tried as this stranger.
"""

import re
from dataclasses import fields, is_dataclass
from datetime import timedelta

import pytest
from django.core import signing
from django.db.models import Model
from django.test import Client
from django.urls import URLResolver, get_resolver
from django.utils import timezone

from epiqr.checkins.models import CheckIn, DeviceCheckIn
from epiqr.core.permissions import Role
from epiqr.people.models import Person
from epiqr.people.services import person_create
from epiqr.testing.models import TubeMember
from tests.factories import VenueFactory
from tests.people.payloads import cccd_number

pytestmark = pytest.mark.django_db

NUMBER = cccd_number(born=1975, sex="F", serial=313131)
ADDRESS = "Số 99 Ngõ Kín, Phường Thử"
SECRET_VENUE = "Nhà hàng Riêng Tư"
BARCODE = "BM-4242"

# How the stranger fills each kind of path parameter of a public page; a new parameter fails the test.
# A declaration's code is what its QR carries: the stranger is given the victim's own (the worst case).
PARAMETERS = {
    "token": "venue_token",
    "purpose": "purpose",
    "public_id": "certificate",
    "code": "declaration_code",
    "release_code": "release_code",
}
# The Django admin does its own staff login on every view (they are all marked login_not_required).
SKIPPED_NAMESPACES = {"admin"}
# Public POST routes, and what the stranger sends to each (GETs are tried on every public page).
POSTS = {
    "public:checkout": lambda w: {"checkin": [str(w["victim_checkin"].pk)]},
    "public:forget_device": lambda w: {"link": "999999"},
    "testing:lookup": lambda w: {"barcode": BARCODE, "factor": "01/01/1990"},
    "people:prove": lambda w: {"identifier": NUMBER},
    "people:prove_code": lambda w: {"code": "123456"},
    "people:prove_card": lambda w: {},
    "public:declare": lambda w: {"kind": "domestic", "id_number": NUMBER, "phone": "0911000999"},
    "public:venue_checkin": lambda w: {"symptoms": "no", "person": [str(w["link_id"])]},
    # Her F0 self-report, sent by the stranger naming her care record; the release verifier with junk.
    "care:my": lambda w: {"patient": str(w["patient"].pk), "slot": "am", "spo2": "98"},
    "care:verify": lambda w: {"c": "khong-phai-ma"},
    # The verifier shows whatever a pasted code itself carries: the stranger has no code of hers.
    "vaccination:verify": lambda w: {"code": "HC1:NCFOXN%TS3DH"},
    "vaccination:verify_photo": lambda w: {},
    # The hotline's web form with her phone: the code goes to her phone, he sees nothing of hers.
    "hotline:request": lambda w: {
        "phone": "0977111222",
        "caller_name": "Kẻ Lạ",
        "commune": w["commune"].pk,
        "address": "1 Phố Lạ",
        "category": "other",
        "description": "Hỏi thông tin",
    },
    "hotline:request_code": lambda w: {"code": "123456"},
    # A diary day for a quarantine: only those of people the phone proved (he proved nobody).
    "quarantine:diary": lambda w: {"quarantine": "1", "symptoms": "cough", "temperature": "38"},
}
PUBLIC_API = {
    ("GET", "/api/v1/tracing/feed"): None,
    ("GET", "/api/v1/geo/communes?q=Thu"): None,
    ("POST", "/api/v1/vaccination/verify"): {"code": "HC1:NCFOXN%TS3DH"},
    ("POST", "/api/v1/checkins/declarations"): {
        "kind": "domestic",
        "id_number": NUMBER,
        "full_name": "Kẻ Lạ",
    },
}


@pytest.fixture
def world(commune, make_user, sent_messages):
    from epiqr.checkins.services import declaration_submit
    from epiqr.testing import services as testing
    from epiqr.testing.models import TestKind

    officer = make_user(Role.COMMUNE_OFFICER, commune=commune)
    victim = person_create(
        full_name="Hồ Thị Kín Đáo",
        birth_year=1975,
        sex="F",
        phone="0977 111 222",
        id_number=NUMBER,
        address=ADDRESS,
        commune=commune,
        actor=officer,
    )
    secret = VenueFactory(commune=commune, name=SECRET_VENUE)
    cafe = VenueFactory(commune=commune, name="Quán Công Cộng")
    victim_checkin = CheckIn.objects.create(
        venue=secret, person=victim, checked_in_at=timezone.now() - timedelta(hours=3), method="staff"
    )
    sampler = make_user(Role.SAMPLER, commune=commune)
    site = testing.site_create(name="Trạm Thử", commune_id=commune.pk, address="1 Phố Thử")
    session = testing.session_create(
        site=site, team="Tổ 1", day=timezone.localdate(), kind=TestKind.PCR_SINGLE, actor=sampler
    )
    tube = testing.tube_open(session=session, barcode=BARCODE, actor=sampler)
    testing.tube_member_add(tube=tube, person=victim, actor=sampler)
    tube.refresh_from_db()
    testing.result_record(
        tube=testing.tube_close(tube=tube, actor=sampler),
        value="negative",
        actor=make_user(Role.LAB_TECH, province=commune.province),
    )
    declaration = declaration_submit(
        data={
            "kind": "domestic",
            "full_name": victim.full_name,
            "birth_year": 1975,
            "phone": victim.phone,
            "id_number": NUMBER,
            "commune": commune,
            "address": ADDRESS,
            "symptoms": ["fever"],
        }
    )
    # Vaccinated, with a certificate: its page and PDF need her proof.
    from epiqr.vaccination import services as vaccination

    vaccination.dose_record(
        person=victim,
        product="PFIZER",
        given_at=timezone.now() - timedelta(days=30),
        source="import",
        actor=officer,
    )
    certificate = vaccination.certificate_issue(person=victim)
    # An F0 case long ago, released: her care record and its release paper need her proof.
    import uuid

    from epiqr.care.models import Patient
    from epiqr.care.services import patient_open
    from epiqr.cases.services import case_end, case_open

    patient = patient_open(
        case=case_open(person=victim, confirmed_on=timezone.localdate() - timedelta(days=60))
    )
    case_end(case=patient.case, outcome="recovered")
    Patient.objects.filter(pk=patient.pk).update(
        status="recovered", released_on=timezone.localdate() - timedelta(days=50), release_code=uuid.uuid4()
    )
    patient.refresh_from_db()
    sent_messages.clear()
    return {
        "victim": victim,
        "cafe": cafe,
        "victim_checkin": victim_checkin,
        "commune": commune,
        "declaration": declaration,
        "certificate": certificate,
        "patient": patient,
    }


def _venue_path(venue) -> str:
    from epiqr.venues.selectors import venue_url

    return "/" + venue_url(venue=venue).split("/", 3)[3]


STRANGERS = {
    "id_number": {
        "full_name": "Kẻ Lạ Mặt",
        "phone": "0911 000 999",
        "birth_year": "1990",
        "id_number": NUMBER,
    },
    "name_phone_year": {
        "full_name": "Hồ Thị Kín Đáo",
        "phone": "0977111222",
        "birth_year": "1975",
        "id_number": "",
    },
}


def _stranger(world, how: str) -> Client:
    client = Client()
    if how == "legacy_cookie":
        client.cookies["epiqr_device"] = signing.get_cookie_signer(
            salt="epiqr_device" + "epiqr.device.v1"
        ).sign(str(world["victim"].public_id))
        world["link_id"] = 0
        return client
    r = client.post(_venue_path(world["cafe"]), {"action": "register", "symptoms": "no", **STRANGERS[how]})
    assert r.status_code == 200, r.content.decode()[:500]
    own = CheckIn.objects.filter(venue=world["cafe"]).latest("pk")
    assert own.person_id == world["victim"].pk  # linked to her for tracing...
    assert DeviceCheckIn.objects.filter(checkin=own).exists()  # ...and known as this phone's own visit
    world["own_checkin"] = own
    world["link_id"] = client.get("/people/prove/").context["unproven"][0].link_id
    return client


def _markers(world, how: str) -> list[str]:
    victim = world["victim"]
    out = [NUMBER, ADDRESS, SECRET_VENUE, BARCODE, str(victim.public_id), victim.public_id.hex]
    if how != "name_phone_year":  # there the stranger typed her name and phone himself
        out += [victim.full_name, victim.phone, "0977 111 222"]
    return out


def _public_pages():
    """(namespace:name, route, converters) of every URL pattern served without a login."""

    def walk(patterns, prefix="", namespace=None):
        for p in patterns:
            if isinstance(p, URLResolver):
                yield from walk(p.url_patterns, prefix + str(p.pattern), p.namespace or namespace)
            elif getattr(p.callback, "login_required", True) is False:
                name = f"{namespace}:{p.name}" if namespace else p.name
                yield namespace, name, prefix + str(p.pattern), list(p.pattern.converters)

    return [
        (name, route, params)
        for ns, name, route, params in walk(get_resolver().url_patterns)
        if ns not in SKIPPED_NAMESPACES
    ]


def _public_api() -> set[tuple[str, str]]:
    from epiqr.api import api

    api.urls  # noqa: B018 - binds each operation's authentication
    found = set()
    for prefix, router in api._routers:
        for path, view in router.path_operations.items():
            for op in view.operations:
                if op.auth_param is None:
                    found |= {(method, f"/api/v1{prefix}{path}") for method in op.methods}
    return found


def _fill(route: str, world) -> str:
    from epiqr.checkins.selectors import declaration_code

    values = {
        "venue_token": _venue_path(world["cafe"]).rsplit("/", 1)[1],
        "declaration_code": declaration_code(declaration=world["declaration"]),
        "purpose": "dcc",
        "certificate": str(world["certificate"].public_id),
        "release_code": str(world["patient"].release_code),
    }

    def value(match):
        name = match.group(1).split(":")[-1]
        assert name in PARAMETERS, f"public route {route!r} takes <{name}>: add it to PARAMETERS in this test"
        return values[PARAMETERS[name]]

    return "/" + re.sub(r"<([^>]+)>", value, route)


def _leaks(context, world) -> list[str]:
    """The victim's records among the objects handed to the template (rendered or not)."""
    victim, own = world["victim"], world.get("own_checkin")
    found, seen = [], set()

    def visit(value, depth=0):
        if depth > 4 or id(value) in seen:
            return
        seen.add(id(value))
        if isinstance(value, Person) and value.pk == victim.pk:
            found.append(f"Person {value}")
        elif isinstance(value, TubeMember) and value.person_id == victim.pk:
            found.append(f"TubeMember {value}")
        elif (
            isinstance(value, CheckIn)
            and value.person_id == victim.pk
            and (own is None or value.pk != own.pk)
        ):
            found.append(f"CheckIn {value}")
        elif isinstance(value, Model):
            return
        elif isinstance(value, dict):
            for v in value.values():
                visit(v, depth + 1)
        elif isinstance(value, list | tuple | set):
            for v in value:
                visit(v, depth + 1)
        elif is_dataclass(value) and not isinstance(value, type):
            for f in fields(value):
                visit(getattr(value, f.name), depth + 1)

    for layer in context or []:
        for key, value in (layer.flatten() if hasattr(layer, "flatten") else layer).items():
            if key not in {"request", "user", "perms", "csrf_token", "view"}:
                visit(value)
    return found


def test_every_public_route_is_in_the_matrix():
    names = {name for name, _route, _params in _public_pages()}
    assert set(POSTS) <= names, set(POSTS) - names
    routes = {(method, path.split("?")[0]) for method, path in PUBLIC_API}
    assert _public_api() == routes, "a public API route changed: add it to PUBLIC_API"


@pytest.mark.parametrize("how", ["id_number", "name_phone_year", "legacy_cookie"])
def test_a_phone_that_typed_someone_elses_identifiers_sees_nothing_of_theirs(world, how, sent_messages):
    stranger = _stranger(world, how)
    markers = _markers(world, how)
    tried = []
    for name, route, _params in _public_pages():
        path = _fill(route, world)
        requests = [("GET", None)]
        if name in POSTS:
            requests.append(("POST", POSTS[name](world)))
        for method, data in requests:
            r = stranger.get(path) if method == "GET" else stranger.post(path, data)
            body = r.content.decode(errors="replace")
            assert r.status_code < 500, (method, path, r.status_code)
            typed = " ".join(str(v) for v in (data or {}).values())  # what he sent may be echoed back
            shown = [m for m in markers if m in body and m not in typed]
            assert not shown, f"{method} {path} shows {shown}"
            assert not _leaks(r.context, world), (
                f"{method} {path} hands {_leaks(r.context, world)} to its template"
            )
            tried.append((method, name))
    for (method, path), data in PUBLIC_API.items():
        r = (
            stranger.get(path)
            if method == "GET"
            else stranger.post(path, data, content_type="application/json")
        )
        assert r.status_code < 500, (method, path)
        assert not [m for m in markers if m in r.content.decode()], (method, path)
    # Nothing the stranger did checked her out of her visit, or sent her an SMS he could read.
    world["victim_checkin"].refresh_from_db()
    assert world["victim_checkin"].checked_out_at is None
    assert all(m.recipient == "0977111222" for m in sent_messages)
    assert ("GET", "public:my_checkins") in tried and ("POST", "testing:lookup") in tried


def test_the_stranger_sees_his_own_visit_under_the_name_he_typed(world):
    stranger = _stranger(world, "id_number")
    page = stranger.get("/c/mine").content.decode()
    assert "Quán Công Cộng" in page and "Kẻ Lạ Mặt" in page and SECRET_VENUE not in page
    assert stranger.post("/c/checkout", {"checkin": [str(world["own_checkin"].pk)]}).status_code == 200


def test_the_same_pages_show_her_everything_once_she_proves_it(world, sent_messages):
    her = Client()
    her.post("/people/prove/", {"identifier": "0977111222"})
    code = re.search(r"\b(\d{6})\b", sent_messages[-1].body).group(1)
    assert her.post("/people/prove/code/", {"code": code}).status_code == 302
    assert SECRET_VENUE in her.get("/c/mine").content.decode()
    assert BARCODE in her.get("/testing/my/").content.decode()
    assert her.get("/people/my-qr/").context["cards"][0][0] == world["victim"]
