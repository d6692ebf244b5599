"""Capability and scope before every write, on every write route of the pages and the API.

Each route in WRITES is sent a request that is valid in itself by users who must be refused (a holder of
the capability outside the object's scope, and a user without the capability): the answer is the listed
4xx (or a per-item refusal) and not one row of personal or operational data changed. The same request
by the right user then changes something, so the refusals above were about who asked, not about the
request. test_every_route_is_classified makes a new route join one of the lists below.

The scanned card (`card`) names a registered person whose date of birth and address are blank: a
route that handled the card before checking scope would fill them in (how `POST /api/v1/cases` with a
`scan` changed a person outside the officer's jurisdiction before refusing).
"""

import csv
import io
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import date, datetime, timedelta

import pytest
from django.apps import apps
from django.core.files.uploadedfile import SimpleUploadedFile
from django.test import Client

from epiqr.core.domains import DOMAINS
from epiqr.core.permissions import Role
from epiqr.core.timeutil import VN_TZ, local_today, now
from tests.factories import PersonFactory, VenueFactory
from tests.people.payloads import cccd, cccd_number
from tests.routes import all_routes

# Apps whose rows a refused request must leave alone. The audit log (core) may record the refusal;
# sessions and login times change by logging in.
DATA_APPS = set(DOMAINS) - {"core", "geo"}  # geo: reference data loaded once
VOLATILE = {("accounts.User", "last_login"), ("accounts.ApiToken", "last_used_at")}


def fingerprint() -> dict:
    """Every row of every data table, in primary-key order."""
    out = {}
    for model in apps.get_models():
        if model._meta.app_label not in DATA_APPS or model._meta.proxy:
            continue
        columns = [
            f.attname for f in model._meta.concrete_fields if (model._meta.label, f.attname) not in VOLATILE
        ]
        out[model._meta.label] = list(model.objects.order_by("pk").values_list(*columns))
    return out


def changed_tables(before: dict, after: dict) -> list[str]:
    return sorted(label for label in before if before[label] != after[label])


# --- the world: everything lives in commune A, except what the outsiders are responsible for ------------


@dataclass
class World:
    a: object
    b: object
    users: dict
    objects: dict = field(default_factory=dict)
    pages: dict = field(default_factory=dict)
    api: dict = field(default_factory=dict)


def _yesterday_at(hour: int, minute: int = 0) -> datetime:
    d = local_today() - timedelta(days=1)
    return datetime(d.year, d.month, d.day, hour, minute, tzinfo=VN_TZ)


SAFETY_ITEMS = (
    "qr_posted",
    "masks",
    "hand_washing",
    "distancing",
    "ventilation",
    "cleaning",
    "staff_protected",
)


@pytest.fixture
def world(db, geo, commune, other_commune, make_user, api_client):
    from epiqr.accounts.services import api_token_create
    from epiqr.cases.services import case_open
    from epiqr.checkins.models import HealthDeclaration
    from epiqr.checkins.services import checkin_checkout, checkin_record
    from epiqr.geo.models import Province
    from epiqr.people.models import DocumentKind, IdentityDocument
    from epiqr.testing import services as testing
    from epiqr.testing.models import TestKind
    from epiqr.tracing.models import FollowUp, RunStatus
    from epiqr.tracing.services import run_create
    from tests.tracing.conftest import reseed_policies

    reseed_policies()
    far = Province.objects.exclude(pk=geo.pk).order_by("code").first()
    a, b = commune, other_commune
    users = {
        "officer_a": make_user(Role.COMMUNE_OFFICER, commune=a),
        "officer_b": make_user(Role.COMMUNE_OFFICER, commune=b),
        "officer_c": make_user(Role.COMMUNE_OFFICER, commune=geo.communes.order_by("code")[2]),
        "owner_a": make_user(Role.VENUE_OWNER),
        "owner_b": make_user(Role.VENUE_OWNER),
        "sampler_a": make_user(Role.SAMPLER, commune=a),
        "sampler_b": make_user(Role.SAMPLER, commune=b),
        "lab_a": make_user(Role.LAB_TECH, province=geo),
        "lab_far": make_user(Role.LAB_TECH, province=far),
        "hotline": make_user(Role.HOTLINE_OPERATOR, province=geo),
        "province": make_user(Role.PROVINCE_OFFICER, province=geo),
        "chot_a": make_user(Role.CHECKPOINT_OFFICER, province=geo),
        "chot_b": make_user(Role.CHECKPOINT_OFFICER, province=geo),
        "vaccinator_a": make_user(Role.VACCINATOR, commune=a),
        "vaccinator_b": make_user(Role.VACCINATOR, commune=b),
        "province_a": make_user(Role.PROVINCE_OFFICER, province=geo),
        "province_far": make_user(Role.PROVINCE_OFFICER, province=far),
        "hotline_far": make_user(Role.HOTLINE_OPERATOR, province=far),
        "coord_a": make_user(Role.FACILITY_COORDINATOR, province=geo),
        "coord_b": make_user(Role.FACILITY_COORDINATOR, province=geo),
    }
    o: dict = {}
    # Checkpoints: an organisation of A with its account, an application and an approved permit; a
    # checkpoint in A where chot_a (not chot_b) works; an organisation of B with its account.
    from epiqr.checkpoints.models import Checkpoint
    from epiqr.checkpoints.services import organisation_register, permit_apply, permits_decide
    from tests.checkpoints.conftest import application

    org_a = organisation_register(name="Công ty A", tax_code="0100000001", commune_id=a.code)
    org_b = organisation_register(name="Công ty B", tax_code="0100000002", commune_id=b.code)
    users["org_a"] = make_user(Role.ORGANISATION, org_kind="organisation", org_id=org_a.pk)
    users["org_b"] = make_user(Role.ORGANISATION, org_kind="organisation", org_id=org_b.pk)
    o["application"] = permit_apply(actor=users["org_a"], data=application(id_number=cccd_number(serial=1)))
    o["permit"] = permit_apply(actor=users["org_a"], data=application(id_number=cccd_number(serial=2)))
    permits_decide(actor=users["officer_a"], permit_ids=[o["permit"].pk], approve=True)
    o["checkpoint"] = Checkpoint.objects.create(code="chot-a", name="Chốt A", kind="gateway", commune=a)
    o["checkpoint"].officers.add(users["chot_a"])
    from epiqr.cameras.models import Camera

    o["camera"] = Camera.objects.create(
        code="cam-a", name="Camera A", kind="crowd", commune=a, detector="blobs"
    )
    # A registered person of commune A with a CCCD on file and no date of birth or address yet.
    number = cccd_number(born=1991, sex="F", serial=424242)
    o["person"] = PersonFactory(full_name="Đỗ Thị Lan", birth_year=1991, sex="F", commune=a, address="")
    IdentityDocument.objects.create(person=o["person"], kind=DocumentKind.CCCD, number=number)
    o["card"] = cccd(
        number=number, old="", name="Đỗ Thị Lan", born=date(1991, 5, 6), sex="F", address="7 Ngõ Thử, Hà Nội"
    )
    o["venue"] = VenueFactory(commune=a, owner=users["owner_a"])
    from epiqr.dashboards.models import DeploymentTarget

    o["target"] = DeploymentTarget.objects.create(
        province=geo,
        commune=a,
        name="Quán Thử",
        sector="food",
        agency="Sở Công Thương",
        status="review",
        venue=o["venue"],
        score=0.8,
    )
    VenueFactory(commune=a, owner=users["owner_b"])
    # A case in A whose run found two contacts in A and one in B.
    f0 = PersonFactory(full_name="Nguyễn Văn An", commune=a)
    near = [
        PersonFactory(full_name="Trần Thị Bình", commune=a),
        PersonFactory(full_name="Hoàng Thu Hà", commune=a),
        PersonFactory(full_name="Lê Minh Châu", commune=b),
    ]
    for person, (start, end) in zip([f0, *near], [(10, 11), (10, 11), (10, 11), (10, 11)], strict=True):
        c = checkin_record(
            venue_id=o["venue"].pk, person_id=person.pk, method="self", at=_yesterday_at(start)
        )
        checkin_checkout(checkin_ids=[c.checkin.pk], person_ids=[person.pk], at=_yesterday_at(end))
    o["case"] = case_open(person=f0, confirmed_on=local_today(), onset_on=local_today() - timedelta(days=1))
    o["run"] = run_create(case=o["case"], policy_name="vn-window-60", status=RunStatus.REVIEW)
    o["contact"] = o["run"].contacts.get(person=near[0])
    o["tested_contact"] = o["run"].contacts.get(person=near[1])
    o["tested_contact"].status = FollowUp.TESTED
    o["tested_contact"].save()
    o["declaration"] = HealthDeclaration.objects.create(
        kind="domestic",
        full_name="Phạm Quốc Dũng",
        birth_year=1980,
        phone="0912000999",
        commune=a,
        address="3 Phố Thử",
        symptoms=["fever"],
        flagged=True,
    )
    # Testing: a site and a pooled session in A, an open tube with one member, a closed tube.
    o["site"] = testing.site_create(name="Trạm y tế", commune_id=a.pk)
    o["session"] = testing.session_create(
        site=o["site"], team="Tổ 1", day=local_today(), kind=TestKind.PCR_POOLED, pool_size_limit=5
    )
    o["open_tube"] = testing.tube_open(session=o["session"], barcode="OPEN0001", actor=users["sampler_a"])
    testing.tube_member_add(tube=o["open_tube"], person=PersonFactory(commune=a))
    closed = testing.tube_open(session=o["session"], barcode="DONE0001", actor=users["sampler_a"])
    testing.tube_member_add(tube=closed, person=PersonFactory(commune=a))
    o["closed_tube"] = testing.tube_close(tube=closed)
    # Vaccination: a site and a Pfizer session in A with one dose given today.
    from epiqr.vaccination import services as vaccination

    o["vacc_site"] = vaccination.site_create(name="Trạm tiêm", commune_id=a.pk)
    o["vacc_session"] = vaccination.session_create(
        site=o["vacc_site"], day=local_today(), team="Tổ tiêm", product="PFIZER"
    )
    o["dose"] = vaccination.station_record(
        session=o["vacc_session"], person=PersonFactory(commune=a), actor=users["vaccinator_a"]
    )
    o["certificate"] = vaccination.certificate_issue(person=o["dose"].person)
    o["token_prefix"] = api_token_create(user=users["owner_a"], name="trạm").split(".")[0]
    # Hotline: a centre, a team per commune (officer A in A's, officer B in B's), a request of A's team.
    from epiqr.hotline.models import Team, TeamMember
    from epiqr.hotline.services import Filing, ticket_file

    centre = Team.objects.create(name="Tổng đài 1022", kind="centre", province=geo)
    o["team_a"] = Team.objects.create(name="Tổ A", kind="commune", province=geo, commune=a, parent=centre)
    team_b = Team.objects.create(name="Tổ B", kind="commune", province=geo, commune=b, parent=centre)
    TeamMember.objects.create(team=centre, user=users["hotline"])
    TeamMember.objects.create(team=o["team_a"], user=users["officer_a"])
    TeamMember.objects.create(team=team_b, user=users["officer_b"])
    o["ticket"] = ticket_file(
        filing=Filing(source="call", category="supplies", description="Hết gạo", phone="0912000555",
                      commune_id=a.pk, team_id=o["team_a"].pk),
        actor=users["hotline"],
    )  # fmt: skip
    # Quarantine: the contact of A placed in quarantine (a policy with quarantine days, named).
    from epiqr.quarantine.services import quarantine_place

    o["quarantine"] = quarantine_place(
        contact_id=o["contact"].pk, actor=users["officer_a"], policy_name="vn-2021-07-cv5599"
    )
    # Care: a facility in A (coord_a's) and one in B (coord_b's), the case's care record with a routing
    # proposed to A's facility, and a second F0 of A confirmed today not routed yet.
    from epiqr.care import services as care
    from epiqr.care.models import BedPool, Facility

    for key, commune in (("facility_a", a), ("facility_b", b)):
        o[key] = Facility.objects.create(
            name=f"Cơ sở {key}", tier=1, commune=commune, latitude=21.03, longitude=105.85
        )
        BedPool.objects.create(facility=o[key], kind="normal", total=10)
    o["facility_a"].coordinators.add(users["coord_a"])
    o["facility_b"].coordinators.add(users["coord_b"])
    o["patient"] = care.patient_open(case=o["case"])
    o["routing"] = care.routing_propose(patient=o["patient"], actor=users["officer_a"])
    o["patient2"] = care.patient_open(
        case=case_open(person=PersonFactory(full_name="Vũ Văn Bảy", commune=a), confirmed_on=local_today())
    )

    pages, api = {}, {}
    for key, user in users.items():
        client = Client()
        client.force_login(user)
        pages[key] = client
        api[key] = api_client(user)
    return World(a=a, b=b, users=users, objects=o, pages=pages, api=api)


# --- the write routes ------------------------------------------------------------------------------


@dataclass(frozen=True)
class Write:
    """A request to `route`: refused for each (user, status) in `refused`, changing something for `allowed`.
    `status` None means any answer in 200..499 that refuses per item (a batch reports each item)."""

    route: str  # as the URL resolver spells it
    url: Callable[[World], str]
    body: Callable[[World], dict]
    refused: tuple[tuple[str, int], ...]
    allowed: str
    api: bool = False
    files: Callable[[World], dict] | None = None


def _today() -> str:
    return local_today().isoformat()


def _venue_csv(w: World) -> dict:
    text = f"Tên địa điểm,Loại hình,Địa chỉ,Xã/phường\r\nTiệm sách Thử,retail,5 Phố Thử,{w.a.code}\r\n"
    return {"file": SimpleUploadedFile("dia-diem.csv", text.encode(), content_type="text/csv")}


def _checkin_csv(w: World) -> dict:
    at = (now() - timedelta(hours=1)).isoformat()
    text = f"venue_code,person,checked_in_at\r\n{w.objects['venue'].code},{w.objects['person'].public_id},{at}\r\n"
    return {"file": SimpleUploadedFile("luot-quet.csv", text.encode(), content_type="text/csv")}


def _doses_csv(w: World) -> dict:
    number = cccd_number(born=1991, sex="F", serial=424242)
    text = f"Số CCCD,Họ và tên,Vắc xin,Ngày tiêm\r\n{number},Đỗ Thị Lan,AZ,02/08/2021\r\n"
    return {"file": SimpleUploadedFile("lich-su.csv", text.encode(), content_type="text/csv")}


def _result_csv(w: World) -> dict:
    out = io.StringIO()
    csv.writer(out).writerows([["barcode", "result"], [w.objects["closed_tube"].barcode, "negative"]])
    return {"file": SimpleUploadedFile("kq.csv", out.getvalue().encode(), content_type="text/csv")}


def _application_json() -> dict:
    return {
        "id_number": cccd_number(born=1985, serial=31415),
        "full_name": "Phan Văn Tài",
        "purpose": "1",
        "valid_from": _today(),
        "valid_until": (local_today() + timedelta(days=6)).isoformat(),
        "area": "Hà Nội",
    }


def _staff_csv(w: World) -> dict:
    header = "Số CCCD/CMND/hộ chiếu,Họ và tên,Mục đích,Từ ngày,Đến ngày,Khu vực (tỉnh hoặc xã)"
    day = local_today()
    row = f"{cccd_number(born=1986, serial=27182)},Vũ Thị Mơ,1,{day:%d/%m/%Y},{day + timedelta(days=3):%d/%m/%Y},Hà Nội"
    return {
        "file": SimpleUploadedFile("nhan-su.csv", f"{header}\r\n{row}\r\n".encode(), content_type="text/csv")
    }


def _frame_png(w: World) -> dict:
    import cv2
    import numpy as np

    blob = cv2.imencode(".png", np.full((240, 320), 128, np.uint8))[1].tobytes()
    return {"frame": SimpleUploadedFile("f.png", blob, content_type="image/png")}


def _passage() -> dict:
    return {
        "client_id": "0b9f3c1e-4a57-4d2b-9a63-2f1d5e7c8a90",
        "checkpoint": "chot-a",
        "at": (now() - timedelta(minutes=3)).isoformat(),
        "outcome": "valid",
        "permit": 1,
    }


WRITES = [
    # --- API
    Write(
        "api/v1/quarantine/<quarantine_id>/calls",
        lambda w: f"/api/v1/quarantine/{w.objects['quarantine'].pk}/calls",
        lambda w: {"outcome": "reached", "note": "ổn", "symptoms": ["cough"]},
        refused=(("officer_b", 404), ("owner_a", 403), ("hotline", 403)),
        allowed="officer_a",
        api=True,
    ),
    Write(
        "api/v1/care/routings",
        lambda w: "/api/v1/care/routings",
        lambda w: {"case_id": w.objects["patient2"].case_id},
        refused=(("officer_b", 404), ("coord_a", 403)),
        allowed="officer_a",
        api=True,
    ),
    Write(
        "api/v1/quarantine/<quarantine_id>/actions",
        lambda w: f"/api/v1/quarantine/{w.objects['quarantine'].pk}/actions",
        lambda w: {"action": "end"},
        refused=(("officer_b", 404), ("owner_a", 403), ("hotline", 403)),
        allowed="officer_a",
        api=True,
    ),
    Write(
        "quarantine/assign/",
        lambda w: "/quarantine/assign/",
        lambda w: {"quarantine": [w.objects["quarantine"].pk], "assignee": "none"},
        refused=(("officer_b", 404), ("owner_a", 403), ("hotline", 403)),
        allowed="officer_a",
    ),
    Write(
        "api/v1/quarantine/assign",
        lambda w: "/api/v1/quarantine/assign",
        lambda w: {"quarantine_ids": [w.objects["quarantine"].pk], "assignee_id": None},
        refused=(("officer_b", 404), ("owner_a", 403), ("hotline", 403)),
        allowed="officer_a",
        api=True,
    ),
    Write(
        "quarantine/<int:quarantine_id>/act/",
        lambda w: f"/quarantine/{w.objects['quarantine'].pk}/act/",
        lambda w: {"action": "call", "outcome": "reached", "note": "ổn"},
        refused=(("officer_b", 404), ("owner_a", 403), ("hotline", 403)),
        allowed="officer_a",
    ),
    Write(
        "api/v1/care/facilities/<facility_id>/accept",
        lambda w: f"/api/v1/care/facilities/{w.objects['facility_a'].pk}/accept",
        lambda w: {"routing_ids": None},
        refused=(("coord_b", 404), ("officer_a", 403)),
        allowed="coord_a",
        api=True,
    ),
    Write(
        "api/v1/care/routings/<routing_id>/decision",
        lambda w: f"/api/v1/care/routings/{w.objects['routing'].pk}/decision",
        lambda w: {"decision": "accept"},
        refused=(("coord_b", 404), ("officer_a", 403)),
        allowed="coord_a",
        api=True,
    ),
    Write(
        "api/v1/hotline/tickets",
        lambda w: "/api/v1/hotline/tickets",
        lambda w: {
            "phone": "0912000666",
            "category": "f0_care",
            "description": "Sốt cao",
            "person_id": w.objects["person"].pk,
            "team_id": w.objects["team_a"].pk,
        },
        refused=(("hotline_far", 403), ("officer_a", 403)),
        allowed="hotline",
        api=True,
    ),
    Write(
        "api/v1/hotline/tickets/<ticket_id>/actions",
        lambda w: f"/api/v1/hotline/tickets/{w.objects['ticket'].pk}/actions",
        lambda w: {"action": "take"},
        refused=(("officer_b", 404), ("owner_a", 403), ("hotline_far", 404)),
        allowed="officer_a",
        api=True,
    ),
    Write(
        "api/v1/people",
        lambda w: "/api/v1/people",
        lambda w: {"full_name": "Đỗ Văn Minh", "commune_code": w.a.code, "phone": "0912000111"},
        refused=(("officer_b", 403), ("hotline", 403)),
        allowed="officer_a",
        api=True,
    ),
    Write(
        "api/v1/venues",
        lambda w: "/api/v1/venues",
        lambda w: {
            "name": "Tiệm sách Thử",
            "sector": "retail",
            "address": "5 Phố Thử",
            "commune_code": w.a.code,
        },
        refused=(("officer_b", 403), ("lab_a", 403)),
        allowed="officer_a",
        api=True,
    ),
    Write(
        "api/v1/venues/<int:venue_id>/revoke-token",
        lambda w: f"/api/v1/venues/{w.objects['venue'].pk}/revoke-token",
        lambda w: {},
        refused=(("owner_b", 404), ("officer_b", 404)),
        allowed="owner_a",
        api=True,
    ),
    Write(
        "api/v1/venues/<int:venue_id>/safety",
        lambda w: f"/api/v1/venues/{w.objects['venue'].pk}/safety",
        lambda w: dict.fromkeys(SAFETY_ITEMS, True),
        refused=(("owner_b", 404), ("officer_a", 403)),
        allowed="owner_a",
        api=True,
    ),
    Write(
        "api/v1/checkins/scan",
        lambda w: "/api/v1/checkins/scan",
        lambda w: {"venue": w.objects["venue"].code, "payload": w.objects["card"]},
        refused=(("owner_b", 403), ("officer_a", 403)),
        allowed="owner_a",
        api=True,
    ),
    Write(
        "api/v1/checkins/batch",
        lambda w: "/api/v1/checkins/batch",
        lambda w: {
            "items": [
                {
                    "client_id": "6a0f3c1e-0000-4000-8000-000000000001",
                    "venue": w.objects["venue"].code,
                    "payload": w.objects["card"],
                    "scanned_at": (now() - timedelta(minutes=3)).isoformat(),
                }
            ]
        },
        refused=(("owner_b", 200), ("officer_a", 403)),
        allowed="owner_a",
        api=True,
    ),
    Write(
        "api/v1/cases",
        lambda w: "/api/v1/cases",
        lambda w: {"scan": w.objects["card"], "confirmed_on": _today()},
        refused=(("officer_b", 404), ("owner_a", 403)),
        allowed="officer_a",
        api=True,
    ),
    Write(
        "api/v1/cases/<case_id>/cancel",
        lambda w: f"/api/v1/cases/{w.objects['case'].pk}/cancel",
        lambda w: {"reason": "Mở nhầm"},
        refused=(("officer_b", 404), ("lab_a", 403)),
        allowed="officer_a",
        api=True,
    ),
    Write(
        "api/v1/tracing/runs",
        lambda w: "/api/v1/tracing/runs",
        lambda w: {"case": w.objects["case"].pk},
        refused=(("officer_b", 404), ("sampler_a", 403)),
        allowed="officer_a",
        api=True,
    ),
    Write(
        "api/v1/testing/sessions/<session_id>/tubes",
        lambda w: f"/api/v1/testing/sessions/{w.objects['session'].pk}/tubes",
        lambda w: {"barcode": "NEWT0001", "members": [w.objects["card"]]},
        refused=(("sampler_b", 404), ("owner_a", 403)),
        allowed="sampler_a",
        api=True,
    ),
    Write(
        "api/v1/testing/tubes/<barcode>/members",
        lambda w: f"/api/v1/testing/tubes/{w.objects['open_tube'].barcode}/members",
        lambda w: {"payload": w.objects["card"]},
        refused=(("sampler_b", 404), ("lab_a", 403)),
        allowed="sampler_a",
        api=True,
    ),
    Write(
        "api/v1/testing/tubes/<barcode>/close",
        lambda w: f"/api/v1/testing/tubes/{w.objects['open_tube'].barcode}/close",
        lambda w: {},
        refused=(("sampler_b", 404), ("lab_a", 403)),
        allowed="sampler_a",
        api=True,
    ),
    Write(
        "api/v1/testing/sessions/<session_id>/batch",
        lambda w: f"/api/v1/testing/sessions/{w.objects['session'].pk}/batch",
        lambda w: {"client_id": "lo-1", "tubes": [{"barcode": "NEWT0002", "members": [w.objects["card"]]}]},
        refused=(("sampler_b", 404), ("lab_a", 403)),
        allowed="sampler_a",
        api=True,
    ),
    Write(
        "api/v1/testing/results",
        lambda w: "/api/v1/testing/results",
        lambda w: {"client_id": "run-1", "results": [{"barcode": "DONE0001", "result": "negative"}]},
        refused=(("lab_far", 422), ("sampler_a", 403)),
        allowed="lab_a",
        api=True,
    ),
    # --- pages
    Write(
        "people/new/",
        lambda w: "/people/new/",
        lambda w: {"full_name": "Đỗ Văn Minh", "commune": w.a.pk, "phone": "0912000111"},
        refused=(("officer_b", 422), ("hotline", 403)),
        allowed="officer_a",
    ),
    Write(
        "people/<uuid:public_id>/edit/",
        lambda w: f"/people/{w.objects['person'].public_id}/edit/",
        lambda w: {"full_name": "Đỗ Thị Lan Anh", "commune": w.a.pk, "birth_year": 1991, "sex": "F"},
        refused=(("officer_b", 404), ("hotline", 403)),
        allowed="officer_a",
    ),
    Write(
        "people/<uuid:public_id>/qr/rotate/",
        lambda w: f"/people/{w.objects['person'].public_id}/qr/rotate/",
        lambda w: {},
        refused=(("officer_b", 404), ("hotline", 403)),
        allowed="officer_a",
    ),
    Write(
        "venues/new/",
        lambda w: "/venues/new/",
        lambda w: {
            "name": "Tiệm sách Thử",
            "sector": "retail",
            "address": "5 Phố Thử",
            "commune": str(w.a.code),
        },
        refused=(("officer_b", 200), ("lab_a", 403)),
        allowed="officer_a",
    ),
    Write(
        "venues/<int:pk>/edit/",
        lambda w: f"/venues/{w.objects['venue'].pk}/edit/",
        lambda w: {"name": "Quán mới", "sector": "food", "address": "9 Phố Thử", "commune": str(w.a.code)},
        refused=(("owner_b", 404), ("officer_b", 404)),
        allowed="owner_a",
    ),
    Write(
        "venues/<int:pk>/safety/",
        lambda w: f"/venues/{w.objects['venue'].pk}/safety/",
        lambda w: {"qr_posted": "on", "masks": "on", "hand_washing": "on"},
        refused=(("owner_b", 404), ("officer_a", 403)),
        allowed="owner_a",
    ),
    Write(
        "venues/<int:pk>/revoke/",
        lambda w: f"/venues/{w.objects['venue'].pk}/revoke/",
        lambda w: {},
        refused=(("owner_b", 404), ("officer_b", 404)),
        allowed="owner_a",
    ),
    Write(
        "venues/<int:pk>/active/",
        lambda w: f"/venues/{w.objects['venue'].pk}/active/",
        lambda w: {"active": "0"},
        refused=(("owner_b", 404), ("officer_b", 404)),
        allowed="owner_a",
    ),
    Write(
        "venues/import/",
        lambda w: "/venues/import/",
        lambda w: {},
        files=_venue_csv,
        # officer_b's import starts a job (302 to its page); the job refuses every row outside the area
        refused=(("officer_b", 302), ("owner_a", 403)),
        allowed="officer_a",
    ),
    Write(
        "checkins/import/",
        lambda w: "/checkins/import/",
        lambda w: {},
        files=_checkin_csv,
        # officer_b's upload starts a job (302); the job refuses the row at a venue outside the area
        refused=(("officer_b", 302), ("owner_a", 403)),
        allowed="officer_a",
    ),
    Write(
        "checkins/station/<int:venue_id>/",
        lambda w: f"/checkins/station/{w.objects['venue'].pk}/",
        lambda w: {"payload": w.objects["card"]},
        refused=(("owner_b", 403), ("officer_a", 403)),
        allowed="owner_a",
    ),
    Write(
        "checkins/officer/declarations/<int:declaration_id>/done",
        lambda w: f"/checkins/officer/declarations/{w.objects['declaration'].pk}/done",
        lambda w: {"note": "Đã gọi"},
        refused=(("officer_b", 403), ("owner_a", 403)),
        allowed="officer_a",
    ),
    Write(
        "cases/open/",
        lambda w: "/cases/open/",
        lambda w: {"scan": w.objects["card"], "confirmed_on": _today()},
        refused=(("officer_b", 422), ("sampler_a", 403)),
        allowed="officer_a",
    ),
    Write(
        "cases/<int:case_id>/",
        lambda w: f"/cases/{w.objects['case'].pk}/",
        lambda w: {
            "infectious_from": (local_today() - timedelta(days=4)).isoformat() + "T08:00",
            "reason": "Hỏi lại",
        },
        refused=(("officer_b", 404), ("sampler_a", 403)),
        allowed="officer_a",
    ),
    Write(
        "cases/<int:case_id>/cancel/",
        lambda w: f"/cases/{w.objects['case'].pk}/cancel/",
        lambda w: {"reason": "Mở nhầm"},
        refused=(("officer_b", 404), ("sampler_a", 403)),
        allowed="officer_a",
    ),
    Write(
        "tracing/cases/<int:case_id>/run/",
        lambda w: f"/tracing/cases/{w.objects['case'].pk}/run/",
        lambda w: {"policy": "vn-window-60"},
        refused=(("officer_b", 404), ("sampler_a", 403)),
        allowed="officer_a",
    ),
    Write(
        "tracing/runs/<int:run_id>/review/",
        lambda w: f"/tracing/runs/{w.objects['run'].pk}/review/",
        lambda w: {},
        refused=(("officer_b", 403), ("officer_c", 404), ("sampler_a", 403)),
        allowed="officer_a",
    ),
    Write(
        "tracing/runs/<int:run_id>/notify/",
        lambda w: f"/tracing/runs/{w.objects['run'].pk}/notify/",
        lambda w: {"channel": "sms", "confirm": "1"},
        refused=(("officer_c", 404), ("owner_a", 403)),
        allowed="officer_a",
    ),
    Write(
        "tracing/contacts/<int:contact_id>/status/",
        lambda w: f"/tracing/contacts/{w.objects['contact'].pk}/status/",
        lambda w: {"status": "reached"},
        refused=(("officer_b", 404), ("sampler_a", 403)),
        allowed="officer_a",
    ),
    Write(
        "tracing/contacts/<int:contact_id>/case/",
        lambda w: f"/tracing/contacts/{w.objects['tested_contact'].pk}/case/",
        lambda w: {},
        refused=(("officer_b", 404), ("sampler_a", 403)),
        allowed="officer_a",
    ),
    Write(
        "testing/sessions/new/",
        lambda w: "/testing/sessions/new/",
        lambda w: {
            "site": w.objects["site"].pk,
            "team": "Tổ 9",
            "day": _today(),
            "kind": "pcr_pooled",
            "pool_size_limit": 5,
        },
        refused=(("sampler_b", 422), ("lab_a", 403)),
        allowed="sampler_a",
    ),
    Write(
        "testing/sessions/<int:pk>/station/scan/",
        lambda w: f"/testing/sessions/{w.objects['session'].pk}/station/scan/",
        lambda w: {"payload": w.objects["card"]},
        refused=(("sampler_b", 404), ("lab_a", 403)),
        allowed="sampler_a",
    ),
    Write(
        "testing/lab/",
        lambda w: "/testing/lab/",
        lambda w: {"barcode": "DONE0001", "value": "negative"},
        refused=(("lab_far", 404), ("sampler_a", 403)),
        allowed="lab_a",
    ),
    Write(
        "testing/lab/import/",
        lambda w: "/testing/lab/import/",
        lambda w: {},
        files=_result_csv,
        # lab_far's file starts a job (302); the job refuses the tubes outside its area, storing nothing
        refused=(("lab_far", 302), ("sampler_a", 403)),
        allowed="lab_a",
    ),
    Write(
        "testing/lab/receive/",
        lambda w: "/testing/lab/receive/",
        lambda w: {"barcodes": "DONE0001"},
        # a tube outside the lab's area is listed as not found and not received (the input is kept)
        refused=(("lab_far", 422), ("sampler_a", 403)),
        allowed="lab_a",
    ),
    # --- checkpoints
    Write(
        "api/v1/checkpoints/permits",
        lambda w: "/api/v1/checkpoints/permits",
        lambda w: _application_json(),
        refused=(("officer_a", 403), ("hotline", 403)),
        allowed="org_a",
        api=True,
    ),
    Write(
        "api/v1/checkpoints/permits/decide",
        lambda w: "/api/v1/checkpoints/permits/decide",
        lambda w: {"permits": [w.objects["application"].pk], "approve": True},
        # officer_b's answer lists the application as skipped: not in B's jurisdiction
        refused=(("officer_b", 200), ("org_a", 403)),
        allowed="officer_a",
        api=True,
    ),
    Write(
        "api/v1/checkpoints/permits/<permit_id>/revoke",
        lambda w: f"/api/v1/checkpoints/permits/{w.objects['permit'].pk}/revoke",
        lambda w: {"reason": "Nghỉ việc"},
        refused=(("officer_b", 404), ("org_a", 403)),
        allowed="officer_a",
        api=True,
    ),
    Write(
        "api/v1/checkpoints/passages",
        lambda w: "/api/v1/checkpoints/passages",
        lambda w: {"items": [_passage()]},
        # chot_b's item is refused alone (not an officer of that checkpoint)
        refused=(("chot_b", 200), ("officer_a", 403)),
        allowed="chot_a",
        api=True,
    ),
    Write(
        "checkpoints/permits/apply/",
        lambda w: "/checkpoints/permits/apply/",
        lambda w: _application_json(),
        refused=(("officer_a", 403), ("hotline", 403)),
        allowed="org_a",
    ),
    Write(
        "checkpoints/permits/import/",
        lambda w: "/checkpoints/permits/import/",
        lambda w: {},
        files=_staff_csv,
        refused=(("officer_a", 403), ("hotline", 403)),
        allowed="org_a",
    ),
    Write(
        "checkpoints/permits/decide/",
        lambda w: "/checkpoints/permits/decide/",
        lambda w: {"permits": [w.objects["application"].pk], "decision": "approve"},
        refused=(("officer_b", 302), ("org_a", 403)),
        allowed="officer_a",
    ),
    Write(
        "checkpoints/permits/<int:permit_id>/revoke/",
        lambda w: f"/checkpoints/permits/{w.objects['permit'].pk}/revoke/",
        lambda w: {"reason": "Nghỉ việc"},
        refused=(("officer_b", 302), ("org_a", 403)),
        allowed="officer_a",
    ),
    # --- cameras: a frame counted (a CrowdCount row) only for a camera of the sender's jurisdiction
    Write(
        "cameras/<int:camera_id>/",
        lambda w: f"/cameras/{w.objects['camera'].pk}/",
        lambda w: {},
        files=_frame_png,
        refused=(("officer_b", 404), ("org_a", 403)),
        allowed="officer_a",
    ),
    Write(
        "api/v1/cameras/<code>/frames",
        lambda w: "/api/v1/cameras/cam-a/frames",
        lambda w: {},
        files=_frame_png,
        refused=(("officer_b", 404), ("org_a", 403)),
        allowed="officer_a",
    ),
    Write(
        "api/v1/vaccination/sessions/<session_id>/doses",
        lambda w: f"/api/v1/vaccination/sessions/{w.objects['vacc_session'].pk}/doses",
        lambda w: {"payload": w.objects["card"]},
        refused=(("vaccinator_b", 404), ("lab_a", 403)),
        allowed="vaccinator_a",
        api=True,
    ),
    Write(
        "api/v1/vaccination/doses",
        lambda w: "/api/v1/vaccination/doses",
        lambda w: {
            "items": [
                {
                    "client_id": "6a0f3c1e-0000-4000-8000-00000000d05e",
                    "site_id": w.objects["vacc_site"].pk,
                    "id_number": cccd_number(born=1991, sex="F", serial=424242),
                    "full_name": "Đỗ Thị Lan",
                    "product": "AZ",
                    "given_at": "2021-08-02T09:00:00+07:00",
                }
            ]
        },
        refused=(("vaccinator_b", 200), ("lab_a", 403)),
        allowed="vaccinator_a",
        api=True,
    ),
    Write(
        "vaccination/sessions/new/",
        lambda w: "/vaccination/sessions/new/",
        lambda w: {"site": w.objects["vacc_site"].pk, "team": "Tổ 9", "day": _today(), "product": "AZ"},
        refused=(("vaccinator_b", 422), ("lab_a", 403)),
        allowed="vaccinator_a",
    ),
    Write(
        "vaccination/sessions/<int:pk>/station/scan/",
        lambda w: f"/vaccination/sessions/{w.objects['vacc_session'].pk}/station/scan/",
        lambda w: {"payload": w.objects["card"]},
        refused=(("vaccinator_b", 404), ("lab_a", 403)),
        allowed="vaccinator_a",
    ),
    Write(
        "vaccination/sessions/<int:pk>/station/record/",
        lambda w: f"/vaccination/sessions/{w.objects['vacc_session'].pk}/station/record/",
        lambda w: _vaccinator_scanned(w, {}),
        refused=(("vaccinator_b", 404), ("lab_a", 403)),
        allowed="vaccinator_a",
    ),
    Write(
        "vaccination/sessions/<int:pk>/station/screening/",
        lambda w: f"/vaccination/sessions/{w.objects['vacc_session'].pk}/station/screening/",
        lambda w: _vaccinator_scanned(w, {"note": "Sốt 38 độ: hoãn", "contraindicated": "on"}),
        refused=(("vaccinator_b", 404), ("lab_a", 403)),
        allowed="vaccinator_a",
    ),
    Write(
        "vaccination/doses/<int:pk>/observed/",
        lambda w: f"/vaccination/doses/{w.objects['dose'].pk}/observed/",
        lambda w: {},
        refused=(("vaccinator_b", 404), ("lab_a", 403)),
        allowed="vaccinator_a",
    ),
    Write(
        "vaccination/doses/<int:pk>/aefi/",
        lambda w: f"/vaccination/doses/{w.objects['dose'].pk}/aefi/",
        lambda w: {"severity": "mild", "description": "Đau tại chỗ tiêm"},
        refused=(("vaccinator_b", 404), ("lab_a", 403)),
        allowed="vaccinator_a",
    ),
    Write(
        "vaccination/sessions/<int:pk>/invitations/",
        lambda w: f"/vaccination/sessions/{w.objects['vacc_session'].pk}/invitations/",
        lambda w: {
            "action": "pick",
            "born_from": 1900,
            "born_until": 2100,
            "first_slot": "07:30",
            "minutes_per_slot": 15,
            "per_slot": 10,
            "limit": 50,
        },  # fmt: skip
        refused=(("vaccinator_b", 404), ("lab_a", 403)),
        allowed="vaccinator_a",
    ),
    Write(
        "vaccination/import/",
        lambda w: "/vaccination/import/",
        lambda w: {"site": w.objects["vacc_site"].pk},
        files=_doses_csv,
        refused=(("vaccinator_b", 422), ("lab_a", 403)),
        allowed="vaccinator_a",
    ),
    Write(
        "vaccination/door/",
        lambda w: "/vaccination/door/",
        lambda w: {"venue": w.objects["venue"].pk, "refuse_red": "on"},
        refused=(("owner_b", 302), ("lab_a", 403)),
        allowed="owner_a",
    ),
    Write(
        "vaccination/people/<uuid:public_id>/groups/",
        lambda w: f"/vaccination/people/{w.objects['dose'].person.public_id}/groups/",
        lambda w: {"action": "set", "group": "health_workers"},
        refused=(("vaccinator_b", 404), ("lab_a", 403)),
        allowed="vaccinator_a",
    ),
    Write(
        "vaccination/certificates/<uuid:public_id>/revoke/",
        lambda w: f"/vaccination/certificates/{w.objects['certificate'].public_id}/revoke/",
        lambda w: {"reason": "Cấp nhầm người"},
        refused=(("province_far", 404), ("vaccinator_a", 403)),
        allowed="province_a",
    ),
    Write(
        "hotline/",
        lambda w: "/hotline/",
        lambda w: {
            "phone": w.objects["person"].phone,
            "person": w.objects["person"].pk,
            "category": "other",
            "description": "Hỏi thông tin",
            "commune": w.a.pk,
        },
        refused=(("hotline_far", 422), ("officer_a", 403)),
        allowed="hotline",
    ),
    Write(
        "hotline/tickets/<int:ticket_id>/act/",
        lambda w: f"/hotline/tickets/{w.objects['ticket'].pk}/act/",
        lambda w: {"action": "take"},
        refused=(("officer_b", 404), ("owner_a", 403), ("hotline_far", 404)),
        allowed="officer_a",
    ),
    Write(
        "care/surge/",
        lambda w: "/care/surge/",
        lambda w: {},
        refused=(("officer_b", 302), ("coord_a", 403)),
        allowed="officer_a",
    ),
    Write(
        "care/facilities/<int:facility_id>/beds/",
        lambda w: f"/care/facilities/{w.objects['facility_a'].pk}/beds/",
        lambda w: {"normal": "50"},
        refused=(("coord_b", 404), ("officer_a", 403)),
        allowed="coord_a",
    ),
    Write(
        "care/facilities/<int:facility_id>/accept/",
        lambda w: f"/care/facilities/{w.objects['facility_a'].pk}/accept/",
        lambda w: {"which": "all"},
        refused=(("coord_b", 404), ("officer_a", 403)),
        allowed="coord_a",
    ),
    Write(
        "care/routings/<int:routing_id>/decide/",
        lambda w: f"/care/routings/{w.objects['routing'].pk}/decide/",
        lambda w: {"decision": "accept"},
        refused=(("coord_b", 404), ("officer_a", 403)),
        allowed="coord_a",
    ),
    Write(
        "care/patients/<int:patient_id>/act/",
        lambda w: f"/care/patients/{w.objects['patient'].pk}/act/",
        lambda w: {"action": "assess", "respiratory_rate": "18", "spo2": "97"},
        refused=(("officer_b", 404), ("owner_a", 403)),
        allowed="officer_a",
    ),
    Write(
        "accounts/me/tokens/<str:prefix>/revoke/",
        lambda w: f"/accounts/me/tokens/{w.objects['token_prefix']}/revoke/",
        lambda w: {},
        refused=(("owner_b", 302),),
        allowed="owner_a",
    ),
    Write(
        "dashboards/deployment/review/decide/",
        lambda w: "/dashboards/deployment/review/decide/",
        lambda w: {"target": w.objects["target"].pk, "accept": "1"},
        refused=(("officer_a", 403), ("hotline", 403)),
        allowed="province",
    ),
    Write(
        "dashboards/deployment/deadline/",
        lambda w: "/dashboards/deployment/deadline/",
        lambda w: {"sector": "health", "agency": "Sở Y tế", "deadline": _today()},
        refused=(("officer_a", 403), ("hotline", 403)),
        allowed="province",
    ),
    Write(
        "dashboards/deployment/match/",
        lambda w: "/dashboards/deployment/match/",
        lambda w: {},
        refused=(("officer_a", 403), ("owner_a", 403)),
        allowed="province",
    ),
    Write(
        "dashboards/deployment/import/",
        lambda w: "/dashboards/deployment/import/",
        lambda w: {},
        refused=(("officer_a", 403), ("hotline", 403)),
        allowed="province",
        files=lambda w: {
            "file": SimpleUploadedFile(
                "ds.csv",
                f"Tên đơn vị,Xã/phường,Ngành\r\nQuán Mới,{w.a.code},food\r\n".encode(),
                content_type="text/csv",
            )
        },
    ),
    Write(
        "dashboards/levels/recompute/",
        lambda w: "/dashboards/levels/recompute/",
        lambda w: {},
        refused=(("officer_a", 403), ("hotline", 403), ("owner_a", 403)),
        allowed="province",
    ),
]


def _vaccinator_scanned(w: World, body: dict) -> dict:
    """The station acts on the person scanned last: vaccinator A scans the person's personal QR (which
    changes no row) before each request, so only who asks decides the answer."""
    from epiqr.people.services import person_personal_qr

    payload = person_personal_qr(person=w.objects["person"])
    w.pages["vaccinator_a"].post(
        f"/vaccination/sessions/{w.objects['vacc_session'].pk}/station/scan/", {"payload": payload}
    )
    return body


# Routes that change nothing in the data tables (reads, audited reads and exports, photo decoding).
READ_ONLY = {
    "cameras/",
    "cameras/alerts/<int:alert_id>/frame.jpg",
    "api/v1/cameras/crowding",
    "api/v1/checkpoints/permits/<permit_id>",
    "api/v1/checkpoints/verify",
    "api/v1/checkpoints/checkpoints",
    "checkpoints/",
    "checkpoints/<int:checkpoint_id>/",
    "checkpoints/station/",
    "checkpoints/station/<int:checkpoint_id>/",
    "checkpoints/sw.js",
    "checkpoints/permits/",
    "checkpoints/permits/import/template.xlsx",
    "checkpoints/permits/<int:permit_id>/",
    "checkpoints/permits/<int:permit_id>/pdf/",
    "checkpoints/p/<str:token>/",
    "api/v1/jobs",
    "api/v1/jobs/<job_id>",
    "api/v1/testing/sessions",
    "api/v1/tracing/runs/<run_id>/contacts",
    "declare/d/<str:code>",
    "favicon.ico",
    "jobs/",
    "jobs/<int:job_id>/",
    "jobs/<int:job_id>/files/<int:file_id>/",
    "jobs/<int:job_id>/progress/",
    "trust/<slug:purpose>/keys.json",
    "trust/<slug:purpose>/revocations.json",
    "",
    "healthz",
    "api/v1/openapi.json",
    "api/v1/docs",
    "api/v1/",
    "api/v1/people/parse",
    "api/v1/people/<person_id>",
    "api/v1/people/<person_id>/qr.png",
    "api/v1/venues/<int:venue_id>",
    "api/v1/venues/<int:venue_id>/poster.pdf",
    "api/v1/venues/<int:venue_id>/poster.png",
    "api/v1/cases/<case_id>",
    "api/v1/tracing/runs/<run_id>",
    "api/v1/tracing/runs/<run_id>/export",
    "api/v1/tracing/triage",
    "api/v1/tracing/feed",
    "api/v1/testing/tubes/<barcode>",
    "api/v1/geo/communes",
    "api/v1/accounts/me",
    "c/mine",
    "accounts/me/",
    "people/",
    "people/my-qr/",
    "people/scan/",
    "people/scan/photo/",
    "people/<uuid:public_id>/",
    "people/<uuid:public_id>/qr/",
    "venues/",
    "venues/import/template.xlsx",
    "venues/posters/",
    "venues/communes/",
    "venues/<int:pk>/",
    "venues/<int:pk>/poster.pdf",
    "venues/<int:pk>/poster.png",
    "checkins/station/",
    "checkins/station/<int:venue_id>/photo",
    "checkins/venues/",
    "checkins/venues/<int:venue_id>/",
    "checkins/venues/<int:venue_id>/visitors",
    "checkins/venues/<int:venue_id>/screen",
    "checkins/officer/",
    "cases/",
    "tracing/",
    "tracing/triage/",
    "tracing/runs/<int:run_id>/",
    "tracing/runs/<int:run_id>/export/",
    "tracing/clusters/",
    "tracing/feed.json",
    "tracing/self-check/",
    "testing/",
    "testing/sessions/<int:pk>/",
    "testing/sessions/<int:pk>/station/",
    "testing/sessions/<int:pk>/station/photo/",
    "testing/sessions/<int:pk>/manifest.csv",
    "testing/sessions/<int:pk>/manifest.pdf",
    "testing/sessions/<int:pk>/recall/",
    "testing/tubes/<str:barcode>/",
    "testing/tubes/<str:barcode>/slips/",
    "testing/stats/",
    "testing/my/",
    "notify/outbox/",
    "dashboards/",
    "dashboards/levels/<str:kind>/<int:code>/",
    "dashboards/levels/",
    "dashboards/deployment/",
    "dashboards/deployment/calls/",
    "dashboards/deployment/review/",
    "dashboards/map/",
    "dashboards/activity/",
    "dashboards/open/",
    "dashboards/open/data.csv",
    "dashboards/open/data.json",
    "dashboards/open/venues/",
    "dashboards/open/venues.csv",
    "dashboards/open/venues.xlsx",
    "api/v1/dashboards/activity",
    "api/v1/dashboards/activity/hours",
    "api/v1/dashboards/curve",
    "api/v1/dashboards/deployment",
    "api/v1/dashboards/levels",
    "api/v1/dashboards/levels/<kind>/<code>",
    "api/v1/dashboards/map",
    "api/v1/dashboards/occupancy",
    "audit/",
    "api/v1/vaccination/products",
    "api/v1/vaccination/sessions",
    "vaccination/",
    "vaccination/sessions/<int:pk>/",
    "vaccination/sessions/<int:pk>/station/",
    "vaccination/sessions/<int:pk>/station/photo/",
    "vaccination/sessions/<int:pk>/observation/",
    "vaccination/people/<uuid:public_id>/",
    "vaccination/verify/photo/",
    "api/v1/care/capacity",
    "api/v1/care/patients",
    "care/",
    "care/patients/",
    "care/facilities/<int:facility_id>/",
    "care/patients/<int:patient_id>/",
    "care/patients/<int:patient_id>/release.pdf",
    "api/v1/hotline/tickets/<ticket_id>",
    "api/v1/hotline/queues",
    "api/v1/hotline/stats",
    "hotline/queue/",
    "hotline/tickets/<int:ticket_id>/",
    "hotline/stats/",
    "hotline/request/sent/",
    "quarantine/",
    "quarantine/calls/",
    "quarantine/<int:quarantine_id>/",
    "api/v1/quarantine/",
    "api/v1/quarantine/calls",
    "api/v1/quarantine/<quarantine_id>",
}
# Writes with no staff scope to check: public pages (their rules: docs/security.md), the caller's own
# account, and Django's admin (administrators only).
UNSCOPED = {
    "i18n/setlang/",
    "api/v1/checkins/declarations",
    "v",
    "v/",
    "v/<str:token>",
    "c/checkout",
    "c/forget",
    "declare/",
    "accounts/login/",
    "accounts/login/code/",
    "accounts/login/app/",
    "accounts/logout/",
    "accounts/me/recovery-codes/",
    "accounts/me/tokens/",
    "venues/register/",
    "testing/result/",
    # the public certificate verifier and a citizen's own certificates (behind the identity proof)
    "vaccination/verify/",
    "api/v1/vaccination/verify",
    "vaccination/my/",
    "vaccination/my/<uuid:public_id>.pdf",
    # a citizen proving who they are (docs/security.md section 2), and the staff member who checks the
    # card of the citizen in front of them: a person from any commune may prove themselves anywhere
    "people/prove/",
    "people/prove/card/",
    "people/prove/code/",
    "people/verify-device/",
    "hotline/request/",
    "hotline/request/code/",
    # a contact's own symptom diary (behind the identity proof: the quarantines of people it proved)
    "quarantine/diary/",
    # an F0's own self-report and release paper (behind the identity proof), the public verifier
    "care/my/",
    "care/my/<uuid:release_code>.pdf",
    "care/verify/",
}


def test_every_route_is_classified():
    """A new route must say whether it writes; a write must come with its refused-request scenario here."""
    routes = {r.pattern for r in all_routes() if not r.is_admin}
    covered = {w.route for w in WRITES} | READ_ONLY | UNSCOPED
    assert not routes - covered, (
        "Unclassified routes: add each to WRITES (with a request that must be refused outside the user's "
        "scope and without the capability) or, if it writes nothing, to READ_ONLY / UNSCOPED: "
        f"{sorted(routes - covered)}"
    )
    assert not covered - routes, f"Listed routes that no longer exist: {sorted(covered - routes)}"


def _send(w: World, user: str, write: Write):
    """The request, and what it set off at commit (a job started by an import runs then)."""
    from django.test import TestCase

    url, body = write.url(w), write.body(w)
    with TestCase.captureOnCommitCallbacks(execute=True):
        if write.api:
            return w.api[user].post(url, body, content_type="application/json")
        data = dict(body)
        if write.files:
            data.update(write.files(w))
        return w.pages[user].post(url, data)


@pytest.mark.parametrize("write", WRITES, ids=[w.route for w in WRITES])
def test_a_refused_write_changes_nothing(world, write):
    before = fingerprint()
    for user, status in write.refused:
        response = _send(world, user, write)
        assert response.status_code == status, (user, response.status_code, response.content[:500])
        assert changed_tables(before, fingerprint()) == [], f"{user} was refused but changed data"
    response = _send(world, write.allowed, write)
    assert response.status_code < 400 or write.route == "api/v1/testing/results", response.content[:500]
    assert changed_tables(before, fingerprint()), (
        f"{write.allowed}'s request changed nothing: a weak scenario"
    )


def test_the_card_of_the_refused_case_request_is_applied_once_allowed(world):
    """The reported case: the scan fills the person's blanks only for the officer who may open the case."""
    person = world.objects["person"]
    body = {"scan": world.objects["card"], "confirmed_on": _today()}
    assert (
        world.api["officer_b"].post("/api/v1/cases", body, content_type="application/json").status_code == 404
    )
    person.refresh_from_db()
    assert person.birth_date is None and person.address == ""
    assert (
        world.api["officer_a"].post("/api/v1/cases", body, content_type="application/json").status_code == 201
    )
    person.refresh_from_db()
    assert person.birth_date == date(1991, 5, 6) and person.address == "7 Ngõ Thử, Hà Nội"
