"""The passage log a phone syncs (idempotent per sender), and the online verification with the population
registry: an active case or an F1 in quarantine shows red with the reason, whatever the permit says."""

import uuid
from datetime import date, timedelta

import pytest

from epiqr.checkpoints.models import Passage
from epiqr.checkpoints.registry import FakeRegistry, RegistryRecord, RegistryStatus
from epiqr.core.models import AuditEvent
from epiqr.core.permissions import Role
from epiqr.core.timeutil import now
from tests.people.payloads import cccd

pytestmark = pytest.mark.django_db


def item(**over) -> dict:
    data = {
        "client_id": str(uuid.uuid4()),
        "checkpoint": "cua-ngo-1",
        "at": (now() - timedelta(minutes=5)).isoformat(),
        "outcome": "valid",
        "reasons": [],
        "direction": "in",
        "permit": 12,
        "plate": "29A-123.45",
        "holder_id": "001087012345",
        "holder_name": "NGUYEN THI THANH HUONG",
    }
    data.update(over)
    return data


def test_a_batch_is_stored_once_and_a_bad_item_alone_is_refused(api_client, chot):
    client = api_client(chot)
    good, other = item(), item(outcome="not_valid", reasons=["expired"])
    batch = {
        "items": [
            good,
            other,
            item(checkpoint="somewhere-else"),
            item(client_id="x"),
            item(at="yesterday"),
            "junk",
        ]
    }
    first = client.post("/api/v1/checkpoints/passages", batch, content_type="application/json").json()
    assert (first["stored"], first["duplicates"], first["rejected"]) == (2, 0, 4)
    codes = [i["code"] for i in first["items"]]
    assert codes[2:] == ["not_your_checkpoint", "bad_client_id", "bad_time", "bad_client_id"]
    again = client.post("/api/v1/checkpoints/passages", batch, content_type="application/json").json()
    assert (again["stored"], again["duplicates"]) == (0, 2)
    assert Passage.objects.count() == 2
    stored = Passage.objects.get(outcome="not_valid")
    assert stored.reasons == ["expired"] and stored.plate == "29A12345" and stored.officer == chot


def test_client_ids_belong_to_their_sender(api_client, chot, checkpoint, make_user, geo):
    colleague = make_user(Role.CHECKPOINT_OFFICER, province=geo)
    checkpoint.officers.add(colleague)
    shared = item()
    assert (
        api_client(chot)
        .post("/api/v1/checkpoints/passages", {"items": [shared]}, content_type="application/json")
        .json()["stored"]
        == 1
    )
    assert (
        api_client(colleague)
        .post("/api/v1/checkpoints/passages", {"items": [shared]}, content_type="application/json")
        .json()["stored"]
        == 1
    )
    reused = dict(shared, outcome="not_valid")
    answer = (
        api_client(chot)
        .post("/api/v1/checkpoints/passages", {"items": [reused]}, content_type="application/json")
        .json()
    )
    assert answer["items"][0]["code"] == "client_id_reused"


def test_only_checkpoint_officers_sync(api_client, make_user, commune):
    answer = api_client(make_user(Role.COMMUNE_OFFICER, commune=commune)).post(
        "/api/v1/checkpoints/passages", {"items": [item()]}, content_type="application/json"
    )
    assert answer.status_code == 403 and not Passage.objects.exists()


@pytest.fixture
def fake_registry(settings):
    settings.EPIQR_POPULATION_REGISTRY = "fake"
    FakeRegistry.records = {}
    FakeRegistry.unavailable = False
    yield FakeRegistry
    FakeRegistry.records = {}
    FakeRegistry.unavailable = False


def test_a_person_in_quarantine_shows_red_even_with_a_valid_permit(
    api_client, chot, checkpoint, approved, fake_registry
):
    fake_registry.records[approved.holder_id_number] = RegistryRecord(
        id_number=approved.holder_id_number,
        full_name=approved.holder_name,
        residence="Phường Hoàn Kiếm, Hà Nội",
        statuses=(RegistryStatus("f1_quarantine", "F1 contact in quarantine"),),
    )
    body = {"checkpoint": checkpoint.pk, "permit": approved.payload}
    answer = api_client(chot).post("/api/v1/checkpoints/verify", body, content_type="application/json").json()
    assert answer["valid"] is False and answer["alert"] is True
    assert answer["reasons"] == ["f1_quarantine"] and answer["registry"]["full_name"] == approved.holder_name
    assert AuditEvent.objects.filter(action="checkpoints.registry_lookup", actor=chot).count() == 1


def test_an_unreachable_registry_leaves_the_permit_to_decide(
    api_client, chot, checkpoint, approved, fake_registry
):
    fake_registry.unavailable = True
    body = {"checkpoint": checkpoint.pk, "permit": approved.payload}
    answer = api_client(chot).post("/api/v1/checkpoints/verify", body, content_type="application/json").json()
    assert answer["valid"] is True and answer["notes"] == ["registry_unavailable"]


def test_own_registry_reads_cases_and_quarantine(
    api_client, chot, checkpoint, commune, settings, django_capture_on_commit_callbacks
):
    """Bình has an active case; An was put in quarantine as an F1 (by the quarantine domain, under
    CV 5599's 14 days) two days after meeting him; Chi is neither. Ended early, An is no longer red."""
    from epiqr.cases.services import case_open
    from epiqr.core.timeutil import local_today
    from epiqr.people.services import person_create
    from epiqr.quarantine.services import quarantine_end, quarantine_place
    from epiqr.tracing.models import Contact, FollowUp, TracingRun
    from tests.people.payloads import cccd_number

    numbers = {
        name: cccd_number(born=1980, serial=424200 + i) for i, name in enumerate(("binh", "an", "chi"))
    }
    people = {
        name: person_create(full_name=full, birth_year=1980, commune=commune, id_number=numbers[name])
        for name, full in (("binh", "Trần Văn Bình"), ("an", "Lê Thị An"), ("chi", "Phạm Minh Chi"))
    }
    case = case_open(person=people["binh"], confirmed_on=local_today())
    run = TracingRun.objects.create(case=case, degree=1, period_start=now(), period_end=now())
    contact = Contact.objects.create(
        run=run, person=people["an"], degree=1, risk="high", first_exposed_at=now() - timedelta(days=2),
        status=FollowUp.QUARANTINED, status_changed_at=now() - timedelta(days=1),
    )  # fmt: skip
    settings.EPIQR_QUARANTINE_POLICY = "vn-2021-07-cv5599"
    with django_capture_on_commit_callbacks(execute=True):
        placed = quarantine_place(contact_id=contact.pk, actor=None)
    client = api_client(chot)

    def ask(name):
        body = {
            "checkpoint": checkpoint.pk,
            "card": cccd(number=numbers[name], name="X", born=date(1980, 5, 1)),
        }
        return client.post("/api/v1/checkpoints/verify", body, content_type="application/json").json()

    assert ask("binh")["reasons"] == ["active_case"] and ask("binh")["alert"]
    assert ask("an")["reasons"] == ["f1_quarantine"]
    with django_capture_on_commit_callbacks(execute=True):
        quarantine_end(quarantine=placed, actor=None, reason="ended_by_officer")
    assert ask("an")["reasons"] == [] and not ask("an")["alert"]
    chi = ask("chi")
    assert chi["valid"] and not chi["alert"] and chi["registry"]["full_name"] == "Phạm Minh Chi"
    # Each lookup is one audited read of the person it found.
    last = AuditEvent.objects.filter(action="checkpoints.registry_lookup", actor=chot).order_by("pk").last()
    assert list(last.people.values_list("person_id", flat=True)) == [people["chi"].pk]


def test_verifying_at_someone_elses_checkpoint_is_refused(api_client, make_user, geo, checkpoint, approved):
    stranger = make_user(Role.CHECKPOINT_OFFICER, province=geo)
    body = {"checkpoint": checkpoint.pk, "permit": approved.payload}
    assert (
        api_client(stranger)
        .post("/api/v1/checkpoints/verify", body, content_type="application/json")
        .status_code
        == 403
    )
