"""A phone proves who its holder is before it sees anyone's records: a code to the phone ON RECORD, a
chip ID card checked by staff, or a result slip. Knowing an ID number or a phone number opens nothing,
and the answers do not tell whether anyone is registered."""

import re
from datetime import timedelta

import pytest
from django.db import connection
from django.test import Client
from django.test.utils import CaptureQueriesContext
from django.utils import timezone

from epiqr.core.models import AuditEvent
from epiqr.core.permissions import Role
from epiqr.people import services
from epiqr.people.models import DeviceProof, ProofChallenge
from epiqr.people.services import person_create
from tests.people.payloads import bhyt, cccd, cccd_number

pytestmark = pytest.mark.django_db

NUMBER = cccd_number(born=1961, sex="F", serial=777001)


@pytest.fixture
def victim(commune):
    """Registered by an officer, with her own phone on record."""
    return person_create(
        full_name="Đỗ Thị Riêng",
        birth_year=1961,
        sex="F",
        phone="0987 654 321",
        id_number=NUMBER,
        commune=commune,
    )


@pytest.fixture
def venue(commune):
    from tests.factories import VenueFactory

    return VenueFactory(commune=commune)


@pytest.fixture
def venue_url():
    from epiqr.venues.selectors import venue_url as url

    return lambda v: "/" + url(venue=v).split("/", 3)[3]


def code_in(message) -> str:
    return re.search(r"\b(\d{6})\b", message.body).group(1)


def ask(client, ip="10.1.1.1", **data):
    return client.post("/people/prove/", {"next": "/people/my-qr/", **data}, REMOTE_ADDR=ip)


def confirm(client, code):
    return client.post("/people/prove/code/", {"code": code, "next": "/people/my-qr/"})


def test_a_code_goes_to_the_phone_on_record_and_opens_that_persons_records(client, victim, sent_messages):
    r = ask(client, identifier=NUMBER)
    assert r.status_code == 302 and r["Location"].startswith("/people/prove/code/")
    assert [m.recipient for m in sent_messages] == ["0987654321"]  # the phone on record, nothing typed
    page = client.get(r["Location"]).content.decode()
    assert 'autocomplete="one-time-code"' in page and 'inputmode="numeric"' in page
    assert client.get("/people/my-qr/").status_code == 302  # nothing before the code
    done = confirm(client, code_in(sent_messages[0]))
    assert done.status_code == 302 and done["Location"] == "/people/my-qr/"
    cards = client.get("/people/my-qr/").context["cards"]
    assert [p for p, _svg in cards] == [victim]


def test_a_phone_number_proves_everyone_with_that_number_on_record(client, victim, commune, sent_messages):
    child = person_create(full_name="Đỗ Minh Nhỏ", birth_year=2015, phone="0987654321", commune=commune)
    person_create(full_name="Người Khác", birth_year=1980, phone="0911000111", commune=commune)
    ask(client, identifier="+84 987 654 321")
    confirm(client, code_in(sent_messages[0]))
    assert {p for p, _svg in client.get("/people/my-qr/").context["cards"]} == {victim, child}


def test_wrong_codes_are_counted_and_the_sixth_try_fails_even_when_right(client, victim, sent_messages):
    ask(client, identifier=NUMBER)
    right = code_in(sent_messages[0])
    wrong = f"{(int(right) + 1) % 10**6:06d}"
    for _n in range(services.OTP_ATTEMPTS):
        r = confirm(client, wrong)
        assert r.status_code == 422 and "sai hoặc đã hết hạn" in r.content.decode()
    r = confirm(client, right)
    assert r.status_code == 422 and not DeviceProof.objects.exists()
    assert "mã mới" in r.content.decode()


def test_a_code_expires_and_works_only_once_and_only_on_the_phone_that_asked(client, victim, sent_messages):
    ask(client, identifier=NUMBER)
    code = code_in(sent_messages[0])
    thief = Client()
    assert confirm(thief, code).status_code == 422  # a code read off someone's screen, typed elsewhere
    ProofChallenge.objects.update(expires_at=timezone.now() - timedelta(seconds=1))
    assert confirm(client, code).status_code == 422
    ProofChallenge.objects.update(expires_at=timezone.now() + timedelta(minutes=5))
    assert confirm(client, code).status_code == 302
    assert confirm(client, code).status_code == 422  # used
    assert DeviceProof.objects.count() == 1


def test_codes_are_stored_only_as_keyed_hashes_and_masked_in_the_outbox(client, victim, sent_messages):
    from epiqr.notify.models import OutboundMessage

    ask(client, identifier=NUMBER)
    code = code_in(sent_messages[0])
    row = ProofChallenge.objects.values().get()
    assert all(code not in str(value) for value in row.values())
    assert len(row["code_hash"]) == 64
    kept = OutboundMessage.objects.get()
    assert kept.recipient == "0987654321" and code not in kept.body and "••••••" in kept.body


def test_registered_or_not_the_answer_is_the_same(client, victim, commune, sent_messages, settings):
    """Same status, same page, same work (queries) whether the ID number or phone is on record. The SMS
    goes out from the worker (production's task backend), so its gateway's time is not in the answer."""
    from django_tasks_db.models import DBTaskResult

    settings.TASKS = {"default": {"BACKEND": "django_tasks_db.DatabaseBackend"}}
    person_create(full_name="Nhà Bên", birth_year=1970, phone="0911222333", commune=commune)
    answers = []
    for identifier in (NUMBER, cccd_number(born=1961, sex="F", serial=777002), "0911222333", "0911222444"):
        phone = Client()
        ask(phone, identifier=identifier)  # an earlier ask each: the limits have something to count
        with CaptureQueriesContext(connection) as queries:
            r = ask(phone, identifier=identifier)
        page = phone.get(r["Location"]).content.decode()
        answers.append((r.status_code, r["Location"], _strip_csrf(page), len(queries)))
    assert len(set(answers)) == 1, answers
    assert sent_messages == []  # nothing sent inside a request
    for queued in DBTaskResult.objects.order_by("enqueued_at"):  # what `epiqr db_worker` then runs
        queued.task.call(*queued.args_kwargs["args"], **queued.args_kwargs["kwargs"])
    assert sorted(m.recipient for m in sent_messages) == ["0911222333"] * 2 + ["0987654321"] * 2


def _strip_csrf(html: str) -> str:
    return re.sub(r'name="csrfmiddlewaretoken" value="[^"]+"', "", html)


def test_the_persons_limit_is_silent_and_caps_the_sms(client, victim, sent_messages):
    for n in range(services.OTP_PER_RECIPIENT_HOUR + 2):
        r = ask(Client(), ip=f"10.2.0.{n}", identifier=NUMBER)
        assert r.status_code == 302  # the same answer as always: the limit tells nothing about her
    assert len(sent_messages) == services.OTP_PER_RECIPIENT_HOUR


def test_the_askers_limits_are_told_plainly(client, victim, sent_messages):
    for _n in range(services.STARTS_PER_DEVICE_HOUR):
        assert ask(client, identifier="0911000000").status_code == 302
    r = ask(client, identifier="0911000000")
    assert r.status_code == 429 and "Quá nhiều" in r.content.decode()
    for n in range(services.STARTS_PER_IP_HOUR - services.STARTS_PER_DEVICE_HOUR):
        ask(Client(), ip="10.1.1.1", identifier=f"09110001{n:02d}")
    assert ask(Client(), ip="10.1.1.1", identifier=NUMBER).status_code == 429
    assert ask(Client(), ip="10.1.1.2", identifier=NUMBER).status_code == 302


def test_bad_identifiers_are_a_clear_422_and_junk_never_a_500(client, victim):
    r = ask(client, identifier="abc")
    assert r.status_code == 422 and "12 số" in r.content.decode()
    for data in (
        {"identifier": "\x00"},
        {"identifier": "9" * 5000},
        {"link": "99999999999999999999999"},
        {"link": "-1"},
        {},
    ):
        assert ask(Client(), **data).status_code < 500, data
    for code in ("", "abcdef", "1" * 5000):
        assert confirm(Client(), code).status_code == 422
    assert confirm(Client(), "\x00").status_code == 400  # the request guard refuses a NUL in any field
    assert Client().post("/people/prove/card/", {"next": "//evil.example"}).status_code == 302


def test_a_person_the_phone_only_typed_proves_by_a_code_to_their_phone_on_record(
    client, victim, venue_url, venue, sent_messages
):
    """A stranger types her ID number at a venue: the check-in is linked to her for tracing, and the
    button that asks for proof sends the code to HER phone, never to the one the stranger typed."""
    client.post(
        venue_url(venue),
        {
            "action": "register",
            "full_name": "Kẻ Lạ",
            "phone": "0911999888",
            "birth_year": "1990",
            "id_number": NUMBER,
            "symptoms": "no",
        },
    )
    link = client.get("/people/prove/").context["unproven"][0]
    assert link.label == "Kẻ Lạ"
    ask(client, link=link.link_id)
    assert [m.recipient for m in sent_messages] == ["0987654321"]
    assert client.get("/people/my-qr/").status_code == 302


def test_a_new_person_registered_on_this_phone_proves_with_the_code_sent_to_the_typed_number(
    client, venue_url, venue, sent_messages
):
    client.post(
        venue_url(venue),
        {
            "action": "register",
            "full_name": "Lê Minh Châu",
            "phone": "0912 345 678",
            "birth_year": "1985",
            "id_number": "",
            "symptoms": "no",
        },
    )
    link = client.get("/people/prove/").context["unproven"][0]
    ask(client, link=link.link_id)
    confirm(client, code_in(sent_messages[0]))
    cards = client.get("/people/my-qr/").context["cards"]
    assert [p.full_name for p, _svg in cards] == ["Lê Minh Châu"]


def test_staff_confirm_a_phone_with_the_chip_card(client, make_user, commune, victim):
    phone = Client()
    phone.post("/people/prove/card/", {"next": "/testing/my/"})
    shown = phone.get("/people/prove/card/?next=/testing/my/")
    code = shown.context["code"]
    assert re.fullmatch(r"[2-9A-Z]{4}-[2-9A-Z]{4}", code) and 'http-equiv="refresh"' in shown.content.decode()
    sampler = make_user(Role.SAMPLER, commune=commune)
    client.force_login(sampler)
    card = cccd(number=NUMBER, name="Đỗ Thị Riêng", sex="F", born=victim_birth())
    first = client.post("/people/verify-device/", {"scan": card})  # the card first, then the phone
    assert first.status_code == 200 and first.context["card"] == card and not DeviceProof.objects.exists()
    done = client.post("/people/verify-device/", {"card": card, "scan": f"EPIQRDEV1:{code.replace('-', '')}"})
    assert done.context["done"] == "Đỗ Thị Riêng"
    assert AuditEvent.objects.filter(action="people.device_proof_card", actor=sampler).count() == 1
    back = phone.get("/people/prove/card/?next=/testing/my/&waiting=1")
    assert back.status_code == 302 and back["Location"] == "/testing/my/"
    assert [p for p, _svg in phone.get("/people/my-qr/").context["cards"]] == [victim]
    again = client.post("/people/verify-device/", {"card": card, "scan": code})
    assert again.status_code == 404  # a code is used once


def victim_birth():
    from datetime import date

    return date(1961, 5, 20)


def test_only_a_chip_card_and_only_health_staff_confirm_a_phone(client, make_user, commune, victim):
    phone = Client()
    phone.post("/people/prove/card/")
    code = phone.get("/people/prove/card/").context["code"]
    client.force_login(make_user(Role.VENUE_STAFF))
    assert (
        client.post("/people/verify-device/", {"code": code, "card": cccd(number=NUMBER)}).status_code == 403
    )
    client.force_login(make_user(Role.COMMUNE_OFFICER, commune=commune))
    r = client.post("/people/verify-device/", {"code": code, "card": bhyt()})
    assert r.status_code == 422 and "CCCD" in r.content.decode()
    r = client.post("/people/verify-device/", {"code": "ABCD-EFGH", "card": cccd(number=NUMBER)})
    assert r.status_code == 404
    assert not DeviceProof.objects.exists()


def test_rotating_the_personal_qr_takes_back_every_phones_proof(client, make_user, commune, victim):
    from tests.factories import give_phone

    phone = Client()
    give_phone(phone, victim)
    assert phone.get("/people/my-qr/").status_code == 200
    client.force_login(make_user(Role.COMMUNE_OFFICER, commune=commune))
    client.post(f"/people/{victim.public_id}/qr/rotate/")
    assert phone.get("/people/my-qr/").status_code == 302
    assert AuditEvent.objects.filter(action="people.device_proofs_revoke").exists()


def test_a_first_version_cookie_opens_nothing_and_is_deleted(victim):
    from django.core import signing

    from epiqr.core.device import LEGACY_COOKIE

    phone = Client()
    phone.cookies[LEGACY_COOKIE] = signing.get_cookie_signer(salt=LEGACY_COOKIE + "epiqr.device.v1").sign(
        str(victim.public_id)
    )
    for path in ("/c/mine", "/testing/my/", "/tracing/self-check/"):
        r = phone.get(path)
        assert victim.full_name not in r.content.decode()
        assert r.cookies[LEGACY_COOKIE]["max-age"] == 0  # deleted
    assert phone.get("/people/my-qr/").status_code == 302


def test_after_a_proof_the_phone_goes_back_only_to_a_page_of_this_site(client, victim, sent_messages):
    for evil in ("https://evil.example/", "//evil.example/x", "/\\evil.example", "javascript:alert(1)"):
        ProofChallenge.objects.all().delete()  # a fresh hour for her limit of codes
        phone = Client()
        phone.post("/people/prove/", {"identifier": NUMBER, "next": evil})
        r = phone.post("/people/prove/code/", {"code": code_in(sent_messages[-1]), "next": evil})
        assert r.status_code == 302 and r["Location"] == "/c/mine", evil


def test_the_daily_purge_drops_old_codes_expired_proofs_and_idle_phones(victim):
    from tests.factories import citizen_phone

    _name, _value, idle = citizen_phone(victim)
    _name, _value, active = citizen_phone(victim)
    ProofChallenge.objects.create(
        device=active,
        kind="otp",
        nonce="n",
        rate_key="r",
        ip_hash="i",
        expires_at=timezone.now(),
    )
    ProofChallenge.objects.update(created_at=timezone.now() - timedelta(days=2))
    DeviceProof.objects.filter(device=active).update(expires_at=timezone.now() - timedelta(seconds=1))
    type(idle).objects.filter(pk=idle.pk).update(last_seen_at=timezone.now() - timedelta(days=401))
    report = services.devices_purge()
    assert report["challenges"] == 1
    assert list(DeviceProof.objects.values_list("device_id", flat=True)) == []
    assert (
        not type(idle).objects.filter(pk=idle.pk).exists()
        and type(active).objects.filter(pk=active.pk).exists()
    )
