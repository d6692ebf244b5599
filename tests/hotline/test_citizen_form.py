"""The citizen's web form: a request, a code by SMS proving the phone, the request's number back."""

import re

from django.test import Client

from epiqr.hotline.models import Source, Status, Ticket
from tests.factories import PersonFactory, give_phone

FORM = {
    "phone": "0988 111 222",
    "caller_name": "Trương Thị Thử",
    "address": "Số 3 ngõ Thử Nghiệm",
    "category": "supplies",
    "description": "Nhà tôi đang cách ly, hết gạo.",
}


def _code(sent_messages, phone="0988111222"):
    [sms] = [m for m in sent_messages if m.recipient == phone and "mã xác minh" in m.body]
    return re.search(r"\b(\d{6})\b", sms.body).group(1)


def test_a_citizen_sends_a_request_proved_by_a_code(hotline, commune, sent_messages):
    c = Client()
    assert c.get("/hotline/request/").status_code == 200
    response = c.post("/hotline/request/", {**FORM, "commune": commune.pk})
    assert response.status_code == 302 and response["Location"] == "/hotline/request/code/"
    assert not Ticket.objects.exists()  # nothing is filed before the phone is proved
    code = _code(sent_messages)
    wrong = c.post("/hotline/request/code/", {"code": "000000" if code != "000000" else "111111"})
    assert wrong.status_code == 422
    assert "098•••222" in wrong.content.decode()  # the request waits, nothing typed is lost
    response = c.post("/hotline/request/code/", {"code": code})
    assert response.status_code == 302 and response["Location"] == "/hotline/request/sent/"
    ticket = Ticket.objects.get()
    assert (ticket.source, ticket.phone, ticket.phone_verified, ticket.status) == (
        Source.WEB, "0988111222", True, Status.NEW,
    )  # fmt: skip
    assert ticket.commune == commune and ticket.created_by is None
    page = c.get("/hotline/request/sent/").content.decode()
    assert f">{ticket.pk}</strong>" in page
    assert any(f"phiếu số {ticket.pk}" in m.body for m in sent_messages if m.recipient == "0988111222")
    # the code is used: sending it again files nothing more
    assert c.post("/hotline/request/code/", {"code": code}).status_code == 302  # back to the form
    assert Ticket.objects.count() == 1


def test_a_code_proves_the_phone_only_on_the_browser_that_asked(hotline, commune, sent_messages):
    c = Client()
    c.post("/hotline/request/", {**FORM, "commune": commune.pk})
    code = _code(sent_messages)
    other = Client()
    other.post("/hotline/request/", {**FORM, "phone": "0977 000 111", "commune": commune.pk})
    assert other.post("/hotline/request/code/", {"code": code}).status_code == 422
    assert not Ticket.objects.exists()


def test_a_refused_form_keeps_everything_typed(hotline, commune):
    response = Client().post("/hotline/request/", {**FORM, "phone": "12345", "commune": commune.pk})
    assert response.status_code == 422
    html = response.content.decode()
    assert FORM["description"] in html and FORM["address"] in html
    assert not Ticket.objects.exists()


def test_a_phone_that_already_proved_its_holder_sends_without_a_code(hotline, commune, sent_messages):
    person = PersonFactory(commune=commune, phone="0966555444", full_name="Vi Văn Thử")
    c = Client()
    give_phone(c, person)
    form = c.get("/hotline/request/").content.decode()
    assert "0966555444" in form  # prefilled from the proven person
    response = c.post("/hotline/request/", {**FORM, "phone": "0966555444", "commune": commune.pk})
    assert response.status_code == 302 and response["Location"] == "/hotline/request/sent/"
    ticket = Ticket.objects.get()
    assert ticket.phone_verified and ticket.phone == "0966555444"
    assert not [m for m in sent_messages if "mã xác minh" in m.body]


def test_one_phone_sends_at_most_five_requests_a_day_from_the_web(hotline, commune, sent_messages):
    person = PersonFactory(commune=commune, phone="0966555444")
    c = Client()
    give_phone(c, person)
    for _i in range(5):
        assert (
            c.post("/hotline/request/", {**FORM, "phone": "0966555444", "commune": commune.pk}).status_code
            == 302
        )
    response = c.post("/hotline/request/", {**FORM, "phone": "0966555444", "commune": commune.pk})
    assert response.status_code == 429
    assert Ticket.objects.count() == 5


def test_codes_to_one_number_are_limited_silently_with_the_person_proof(hotline, commune, sent_messages):
    """The hotline form shares the per-receiving-phone budget of the identity proof (3 an hour)."""
    for _i in range(4):
        c = Client()
        c.post("/hotline/request/", {**FORM, "commune": commune.pk})
    codes = [m for m in sent_messages if m.recipient == "0988111222" and "mã xác minh" in m.body]
    assert len(codes) == 3
