"""Results to citizens: slip lookup with a second factor (no enumeration), and the remembered device."""

import pytest
from django.core.cache import cache
from django.test import Client

from epiqr.testing import services

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


def _post(client, barcode, factor, ip="10.0.0.1"):
    return client.post("/testing/result/", {"barcode": barcode, "factor": factor}, REMOTE_ADDR=ip)


def test_slip_and_date_of_birth_show_only_that_persons_result(resulted):
    a, b = [m.person for m in resulted.members.select_related("person")]
    r = _post(Client(), "lk-0001", a.birth_date.strftime("%d/%m/%Y"))
    assert r.status_code == 200
    body = r.content.decode()
    assert a.full_name in body and b.full_name not in body
    assert 'data-outcome="negative"' in body


def test_last_id_digits_work_but_the_full_id_alone_does_not(resulted):
    member = resulted.members.select_related("person").first()
    number = member.person.documents.get().number
    assert _post(Client(), "LK-0001", number[-4:]).status_code == 200
    assert _post(Client(), "LK-0001", number).status_code == 404
    assert _post(Client(), "", number).status_code == 422


def test_unknown_tube_and_wrong_factor_answer_the_same(resulted):
    member = resulted.members.select_related("person").first()
    wrong = _post(Client(), "LK-0001", "01/01/1900")
    unknown = _post(Client(), "LK-9999", member.person.birth_date.strftime("%d/%m/%Y"))
    assert wrong.status_code == unknown.status_code == 404
    assert b"data-outcome" not in wrong.content and b"data-outcome" not in unknown.content
    flash = lambda r: r.content.decode().split('role="alert">')[1].split("</div>")[0]  # noqa: E731
    assert flash(wrong) == flash(unknown)


def test_a_tube_locks_after_five_wrong_guesses_even_for_the_right_answer(resulted):
    member = resulted.members.select_related("person").first()
    for n in range(services.LOOKUP_TUBE_LIMIT):
        assert _post(Client(), "LK-0001", f"0{n + 1}/01/1901", ip=f"10.0.1.{n}").status_code == 404
    right = _post(Client(), "LK-0001", member.person.birth_date.strftime("%d/%m/%Y"), ip="10.0.2.1")
    assert right.status_code == 429 and b"data-outcome" not in right.content


def test_one_address_cannot_sweep_many_tubes(resulted):
    member = resulted.members.select_related("person").first()
    dob = member.person.birth_date.strftime("%d/%m/%Y")
    for n in range(services.LOOKUP_IP_LIMIT):
        _post(Client(), f"LK-{n + 5000}", dob, ip="10.9.9.9")
    assert _post(Client(), "LK-0001", dob, ip="10.9.9.9").status_code == 429
    assert _post(Client(), "LK-0001", dob, ip="10.9.9.8").status_code == 200


def test_remembered_device_shows_its_peoples_results(resulted):
    from django.core import signing

    from epiqr.core.device import COOKIE, SALT

    member = resulted.members.select_related("person").first()
    client = Client()
    value = signing.get_cookie_signer(salt=COOKIE + SALT).sign(str(member.person.public_id))
    client.cookies[COOKIE] = value
    r = client.get("/testing/my/")
    assert r.status_code == 200
    assert member.person.full_name in r.content.decode() and b'data-outcome="negative"' in r.content
    other = resulted.members.exclude(pk=member.pk).select_related("person").get()
    assert other.person.full_name not in r.content.decode()


def test_without_a_remembered_device_no_results_are_shown(resulted):
    r = Client().get("/testing/my/")
    assert r.status_code == 200 and b"data-outcome" not in r.content
