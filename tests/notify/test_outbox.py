"""Message templates and the outbox: what was sent, what failed, who may read it."""

import pytest
from django.test import Client

from epiqr.core.errors import Invalid
from epiqr.core.permissions import Role
from epiqr.notify.services import message_render, message_send_template
from tests.factories import PASSWORD

pytestmark = pytest.mark.django_db


def test_templates_render_a_subject_and_a_body_per_degree():
    venue = type("V", (), {"name": "Cà phê Giảng", "address": "39 Nguyễn Hữu Huân"})()
    from datetime import datetime

    subject, body = message_render(
        template="tracing_f1",
        context={"venue": venue, "at": datetime(2026, 11, 20, 10, 20), "hotline": "1022"},
    )
    assert subject == "Thông báo tiếp xúc F1" and "Cà phê Giảng" in body and "10:20 20/11/2026" in body
    assert message_render(template="tracing_f2", context={"venue": venue, "hotline": "1022"})[0].endswith(
        "F2"
    )
    with pytest.raises(Invalid):
        message_render(template="no_such_template", context={})


def test_sent_and_failed_messages_are_both_kept(sent_messages, _fake_notify):
    _fake_notify.failing.add("0900000002")
    ok = message_send_template(
        channel="sms",
        recipient="0900000001",
        template="tracing_f2",
        context={"venue": {"name": "Chợ Hôm"}, "hotline": "1022"},
    )
    bad = message_send_template(
        channel="sms",
        recipient="0900000002",
        template="tracing_f2",
        context={"venue": {"name": "Chợ Hôm"}, "hotline": "1022"},
    )
    assert (ok.status, bad.status) == ("sent", "failed") and "refused" in bad.error
    assert [m.recipient for m in sent_messages] == ["0900000001"]


def test_outbox_page_needs_the_capability_and_admins_see_everything(make_user, commune):
    message_send_template(
        channel="sms",
        recipient="0900000009",
        template="tracing_f2",
        context={"venue": {"name": "Chợ Hôm"}, "hotline": "1022"},
    )
    admin, owner, officer = make_user(Role.ADMIN), make_user(Role.VENUE_OWNER), make_user(commune=commune)

    def get(user, url="/notify/outbox/"):
        c = Client()
        c.login(username=user.username, password=PASSWORD)
        return c.get(url)

    assert "0900000009" in get(admin).content.decode()
    assert get(owner).status_code == 403
    assert "0900000009" not in get(officer).content.decode()  # not about anything in the officer's scope
    assert "0900000009" in get(admin, "/notify/outbox/?status=sent").content.decode()
    assert "0900000009" not in get(admin, "/notify/outbox/?status=failed").content.decode()


def test_an_officer_whose_area_holds_more_contacts_than_a_query_takes_parameters_reads_the_outbox(
    make_user, commune, other_commune
):
    """The outbox shows an officer the messages about what is in their area. An area holds contacts by the
    hundred thousand (one F2 run of a market can name 300,000 people): the page stays a page, with the
    notice about a contact of the area and without the one about a contact elsewhere."""
    import numpy as np

    from epiqr.core.pgsql import columns_insert
    from epiqr.tracing.models import Contact

    n = 70_000  # past the 65,535 parameters of one PostgreSQL statement (and SQLite's 32,766)
    columns_insert(
        Contact,
        ("run", "person", "degree", "risk", "overlap_minutes", "first_exposed_at", "commune", "status")
        + ("exposure_data", "venues_text"),
        [
            np.full(n + 1, 1),
            np.arange(1, n + 2),
            np.full(n + 1, 2),
            np.full(n + 1, "low"),
            np.zeros(n + 1),
            np.zeros(n + 1, dtype=np.int64),
            np.array([commune.pk] * n + [other_commune.pk]),
            np.full(n + 1, "to_call"),
            [b"\x01"] * (n + 1),
            np.full(n + 1, ""),
        ],
    )
    ours = Contact.objects.get(person_id=1)
    theirs = Contact.objects.get(commune=other_commune)
    for contact, phone in ((ours, "0900000011"), (theirs, "0900000022")):
        message_send_template(
            channel="sms",
            recipient=phone,
            template="tracing_f2",
            context={"venue": {"name": "Chợ Hôm"}, "hotline": "1022"},
            related=contact,
        )
    officer = make_user(commune=commune)
    c = Client()
    c.login(username=officer.username, password=PASSWORD)
    page = c.get("/notify/outbox/")
    assert page.status_code == 200
    assert "0900000011" in page.content.decode() and "0900000022" not in page.content.decode()
