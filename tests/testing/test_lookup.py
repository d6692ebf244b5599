"""Results to citizens: the slip's tube number and random result code open one person's result; wrong
tries are limited per asker, never per tube (no one can lock a citizen out), and nothing can be
enumerated. Also the remembered device."""

import re

import pytest
from django.core.cache import cache
from django.test import Client

from epiqr.core.models import AuditEvent
from epiqr.testing import services, slipcode
from epiqr.testing.models import TubeMember

pytestmark = pytest.mark.django_db


@pytest.fixture(autouse=True)
def _clear_cache():
    cache.clear()
    yield
    cache.clear()


@pytest.fixture
def resulted(filled_tube, lab_tech):
    tube = filled_tube("LK-0001", 2)
    services.result_record(tube=tube, value="negative", actor=lab_tech)
    return tube


def _post(client, barcode, code, ip="10.0.0.1", **extra):
    return client.post("/testing/result/", {"barcode": barcode, "code": code}, REMOTE_ADDR=ip, **extra)


def _wrong_code(right: str) -> str:
    """A well-formed code (right check character) that is not `right`."""
    while True:
        code = slipcode.new()
        if code != right:
            return code


def _members(tube):
    return list(tube.members.select_related("person").order_by("id"))


def test_tube_number_and_slip_code_show_only_that_persons_result(resulted):
    a, b = _members(resulted)
    r = _post(Client(), "lk-0001", slipcode.display(a.slip_code).lower())
    assert r.status_code == 200
    body = r.content.decode()
    assert a.person.full_name in body and b.person.full_name not in body
    assert 'data-outcome="negative"' in body
    event = AuditEvent.objects.get(action="testing.result_lookup")
    assert (event.target_id, event.actor) == (str(a.pk), None)


def test_codes_are_read_as_people_type_them(resulted):
    a = _members(resulted)[0]
    typed = " ".join(slipcode.display(a.slip_code)).replace("0", "O").replace("1", "l")
    assert _post(Client(), "LK-0001", typed).status_code == 200


def test_knowing_the_birth_date_or_id_digits_opens_nothing(resulted):
    a = _members(resulted)[0]
    number = a.person.documents.get().number
    for factor in (a.person.birth_date.strftime("%d/%m/%Y"), number[-4:], number, a.person.phone):
        r = _post(Client(), "LK-0001", factor)
        assert r.status_code in (404, 422) and b"data-outcome" not in r.content


def test_unknown_tube_and_wrong_code_answer_the_same(resulted):
    a = _members(resulted)[0]
    wrong = _post(Client(), "LK-0001", _wrong_code(a.slip_code), ip="10.0.0.2")
    unknown = _post(Client(), "LK-9999", a.slip_code, ip="10.0.0.3")
    assert wrong.status_code == unknown.status_code == 404
    assert b"data-outcome" not in wrong.content and b"data-outcome" not in unknown.content
    flash = lambda r: r.content.decode().split('role="alert">')[1].split("</div>")[0]  # noqa: E731
    assert flash(wrong) == flash(unknown)


def test_an_attacker_hammering_a_tube_does_not_stop_its_owner(resulted):
    """The bug: five wrong tries used to lock the tube for everyone. Now only the asker is limited."""
    victim = _members(resulted)[0]
    attacker = Client()
    statuses = [
        _post(attacker, "LK-0001", _wrong_code(victim.slip_code), ip="203.0.113.9").status_code
        for _ in range(services.LOOKUP_FAILURES + 5)
    ]
    assert statuses[: services.LOOKUP_FAILURES] == [404] * services.LOOKUP_FAILURES
    assert set(statuses[services.LOOKUP_FAILURES :]) == {429}
    # The attacker's connection is refused even with the right code (it is not tried at all)...
    assert _post(attacker, "LK-0001", victim.slip_code, ip="203.0.113.9").status_code == 429
    # ...while the owner, from their own connection, gets the result at once.
    owner = _post(Client(), "LK-0001", victim.slip_code, ip="198.51.100.7")
    assert owner.status_code == 200 and victim.person.full_name in owner.content.decode()


def test_sweeping_sequential_tube_numbers_finds_nothing_and_is_stopped(filled_tube, lab_tech):
    """Tube numbers are printed in sequence and are no secret; without each slip's code they open nothing."""
    tubes = [filled_tube(f"SQ-{n:04d}", 1) for n in range(1, 4)]
    for tube in tubes:
        services.result_record(tube=tube, value="positive", actor=lab_tech)
    guess = slipcode.new()
    answers = [
        _post(Client(), f"SQ-{n:04d}", guess, ip="203.0.113.50").status_code
        for n in range(1, services.LOOKUP_FAILURES + 3)
    ]
    assert 200 not in answers and answers[-1] == 429


def test_typos_are_told_apart_and_do_not_count(resulted):
    a = _members(resulted)[0]
    typo = a.slip_code[:-1] + ("X" if a.slip_code[-1] != "X" else "Y")
    for _ in range(services.LOOKUP_FAILURES + 3):
        r = _post(Client(), "LK-0001", typo, ip="10.1.1.1")
        assert r.status_code == 422 and "kiểm tra từng ký tự" in r.content.decode()  # "check each character"
    assert _post(Client(), "LK-0001", a.slip_code, ip="10.1.1.1").status_code == 200


def test_ipv6_askers_are_counted_per_64_network(resulted):
    a = _members(resulted)[0]
    for n in range(services.LOOKUP_FAILURES):
        _post(Client(), "LK-0001", _wrong_code(a.slip_code), ip=f"2001:db8:1:2::{n + 1:x}")
    assert _post(Client(), "LK-0001", a.slip_code, ip="2001:db8:1:2::ffff").status_code == 429
    assert _post(Client(), "LK-0001", a.slip_code, ip="2001:db8:1:3::1").status_code == 200


def test_behind_a_proxy_the_forwarded_address_is_the_asker(resulted, settings):
    settings.EPIQR_PROXY_COUNT = 1
    a = _members(resulted)[0]
    proxy = "127.0.0.1"
    for n in range(services.LOOKUP_FAILURES):
        # A client may send its own X-Forwarded-For; the proxy appends the real address, which counts.
        _post(
            Client(),
            "LK-0001",
            _wrong_code(a.slip_code),
            ip=proxy,
            HTTP_X_FORWARDED_FOR=f"10.9.{n}.1, 192.0.2.66",
        )
    blocked = _post(Client(), "LK-0001", a.slip_code, ip=proxy, HTTP_X_FORWARDED_FOR="192.0.2.66")
    other = _post(Client(), "LK-0001", a.slip_code, ip=proxy, HTTP_X_FORWARDED_FOR="192.0.2.67")
    assert (blocked.status_code, other.status_code) == (429, 200)


def test_slips_carry_each_persons_code_and_a_qr_that_opens_the_lookup(resulted, sampler):
    from epiqr.core.qr import draw_png, read_bytes
    from epiqr.testing.selectors import slip_url

    c = Client()
    c.force_login(sampler)
    page = c.get("/testing/tubes/LK-0001/slips/").content.decode()
    members = _members(resulted)
    for m in members:
        assert slipcode.display(m.slip_code) in page and m.person.full_name in page
    assert page.count("<svg") == len(members) and "onclick" not in page and "<style" not in page
    url = slip_url(lookup="http://testserver/testing/result/", barcode="LK-0001", code=members[0].slip_code)
    assert read_bytes(draw_png(url)) == [url]
    path, _, fragment = url.partition("#")
    assert members[0].slip_code not in path and fragment == f"code={members[0].slip_code}"


def test_members_sampled_before_codes_get_one_when_their_slips_are_printed(resulted, sampler):
    TubeMember.objects.filter(tube=resulted).update(slip_code="")
    assert _post(Client(), "LK-0001", "", ip="10.2.2.2").status_code == 422
    c = Client()
    c.force_login(sampler)
    c.get("/testing/tubes/LK-0001/slips/")
    codes = [m.slip_code for m in _members(resulted)]
    assert all(slipcode.normalise(code) == code for code in codes) and len(set(codes)) == 2
    c.get("/testing/tubes/LK-0001/slips/")
    assert [m.slip_code for m in _members(resulted)] == codes  # printing again keeps them


def test_every_pairing_path_gives_each_person_their_own_code(pooled_session, sampler, make_person, qr):
    from epiqr.testing.services import PairTube, tubes_pair_bulk

    people = [make_person() for _ in range(6)]
    tubes_pair_bulk(
        session=pooled_session,
        tubes=[
            PairTube("BK-0001", [qr(p) for p in people[:3]]),
            PairTube("BK-0002", [qr(p) for p in people[3:]]),
        ],
        client_id="codes-1",
        actor=sampler,
    )
    services.station_scan(session=pooled_session, payload="ST-0001", actor=sampler)
    services.station_scan(session=pooled_session, payload=qr(make_person()), actor=sampler)
    codes = list(TubeMember.objects.values_list("slip_code", flat=True))
    assert len(codes) == 7 and len(set(codes)) == 7
    assert all(slipcode.normalise(code) == code for code in codes)


def test_a_phone_shows_the_results_of_the_people_its_holder_proved(resulted):
    from tests.factories import give_phone

    member = resulted.members.select_related("person").first()
    other = resulted.members.exclude(pk=member.pk).select_related("person").get()
    client = Client()
    give_phone(client, member.person, linked=[other.person])  # the other one only typed, never proved
    r = client.get("/testing/my/")
    assert r.status_code == 200
    assert member.person.full_name in r.content.decode() and r.content.count(b'data-outcome="negative"') == 1


def test_a_slip_lookup_keeps_that_result_only_on_the_phone(resulted, filled_tube, lab_tech):
    member = resulted.members.select_related("person").first()
    later = filled_tube("LK-0002", 1)  # the same person's next test: the slip did not prove that one
    later.members.update(person=member.person)
    services.result_record(tube=later, value="negative", actor=lab_tech)
    client = Client()
    assert _post(client, "LK-0001", member.slip_code).status_code == 200
    page = client.get("/testing/my/").content.decode()
    assert page.count("data-outcome=") == 1 and 'data-outcome="negative"' in page and "LK-0002" not in page
    assert b"data-outcome" not in Client().get("/testing/my/").content


def test_without_a_remembered_device_no_results_are_shown(resulted):
    r = Client().get("/testing/my/")
    assert r.status_code == 200 and b"data-outcome" not in r.content


@pytest.mark.browser
def test_scanning_the_slip_on_a_phone_shows_the_result(resulted, live_server, phone_page, screenshot):
    from epiqr.testing.selectors import slip_url

    member = _members(resulted)[0]
    url = slip_url(lookup=f"{live_server.url}/testing/result/", barcode="LK-0001", code=member.slip_code)
    phone_page.goto(url)
    assert phone_page.input_value("#id_code") == member.slip_code
    assert "#" not in phone_page.url  # the code leaves the address bar and history
    phone_page.click("[data-lookup-submit]")
    phone_page.wait_for_selector('[data-outcome="negative"]')
    screenshot(phone_page, "result")
    assert re.search(re.escape(member.person.full_name), phone_page.content())
