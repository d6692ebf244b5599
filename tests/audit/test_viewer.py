"""The audit log viewer: administrators only, filtered by account, action, person (ID number, phone, public
id) and time, paged and sorted like every list, exported through the shared writer, and its own reads are
audited."""

import csv
import io
from datetime import timedelta

import pytest
from django.test import Client

from epiqr.core.models import AuditEvent
from epiqr.core.permissions import Role
from epiqr.people.models import DocumentKind, IdentityDocument

pytestmark = pytest.mark.django_db


@pytest.fixture
def log(make_user, commune, people, clock):
    """Two officers who read people through the site at known times."""
    first = make_user(Role.COMMUNE_OFFICER, commune=commune, username="can-bo-mot")
    second = make_user(Role.COMMUNE_OFFICER, commune=commune, username="can-bo-hai")
    IdentityDocument.objects.create(person=people[0], kind=DocumentKind.CCCD, number="001090000777")
    for user, readings in ((first, people[:3]), (second, people[2:5])):
        client = Client()
        client.force_login(user)
        for person in readings:
            assert client.get(f"/people/{person.public_id}/").status_code == 200
            clock.advance(minutes=10)
    clock.advance(days=2)
    client.force_login(second)
    assert client.get("/cases/").status_code == 200
    return {"first": first, "second": second, "people": people}


def _admin_client(make_user):
    client = Client()
    admin = make_user(Role.ADMIN, username="quan-tri")
    client.force_login(admin)
    return admin, client


def _rows(response) -> list[tuple[str, str]]:
    page = response.context["page"]
    return [(e.actor.username if e.actor else "", e.action) for e in page.items]


def test_only_administrators_open_it(make_user, commune, log):
    for role in (Role.COMMUNE_OFFICER, Role.PROVINCE_OFFICER, Role.LAB_TECH, Role.HOTLINE_OPERATOR):
        client = Client()
        client.force_login(make_user(role, commune=commune))
        assert client.get("/audit/").status_code == 403
    assert Client().get("/audit/").status_code == 302  # to the login page


def test_by_person_actor_action_and_time(make_user, log):
    admin, client = _admin_client(make_user)
    people = log["people"]
    # By ID number, phone or public id: who read this person.
    for n, typed in enumerate(("001090000777", people[0].phone, str(people[0].public_id))):
        rows = _rows(client.get("/audit/", {"person": typed}))
        # The viewer's own earlier searches for this person are reads of them too.
        assert rows == [("quan-tri", "audit.view")] * n + [("can-bo-mot", "people.view")], typed
    response = client.get("/audit/", {"person": str(people[2].public_id)})
    assert sorted(_rows(response)) == [("can-bo-hai", "people.view"), ("can-bo-mot", "people.view")]
    assert people[2].full_name in response.content.decode()  # whom the filter stands for
    # By account and by action (or its beginning).
    assert {r for r in _rows(client.get("/audit/", {"actor": "CAN-BO-HAI"}))} == {
        ("can-bo-hai", "people.view"),
        ("can-bo-hai", "cases.list"),
    }
    assert _rows(client.get("/audit/", {"action": "cases."})) == [("can-bo-hai", "cases.list")]
    # By day (local days): the case list was read two days after the people.
    day = log["second"].auditevent_set.get(action="cases.list").at + timedelta(hours=7)
    rows = _rows(client.get("/audit/", {"since": day.date().isoformat(), "actor": "can-bo-hai"}))
    assert rows == [("can-bo-hai", "cases.list")]
    rows = _rows(client.get("/audit/", {"until": (day.date() - timedelta(days=1)).isoformat()}))
    assert rows.count(("can-bo-mot", "people.view")) == 3 and ("can-bo-hai", "cases.list") not in rows
    # Nobody matches: an empty list and a word, not an error.
    response = client.get("/audit/", {"person": "001099999999"})
    assert response.status_code == 200 and _rows(response) == []
    assert "Không tìm thấy người này" in response.content.decode()
    # A bad date is a 400 with the list's message, never a 500.
    assert client.get("/audit/", {"since": "32/13/2026"}).status_code == 400


def test_sorted_and_paged(make_user, log):
    admin, client = _admin_client(make_user)
    newest = _rows(client.get("/audit/", {"actor": "can-bo-hai"}))
    assert newest[0] == ("can-bo-hai", "cases.list")  # newest first by default
    oldest = _rows(client.get("/audit/", {"actor": "can-bo-hai", "sort": "at"}))
    assert oldest == list(reversed(newest))
    by_action = _rows(client.get("/audit/", {"sort": "action", "action": "people.view"}))
    assert [a for _u, a in by_action] == ["people.view"] * 6
    first = client.get("/audit/", {"page_size": 4, "action": "people."}).context["page"]
    assert first.count == 6 and len(first.items) == 4 and first.has_next
    second = client.get("/audit/", {"page_size": 4, "action": "people.", "page": 2}).context["page"]
    assert len(second.items) == 2 and {e.pk for e in second.items}.isdisjoint(e.pk for e in first.items)
    for bad in ({"sort": "nonsense"}, {"alerts": "maybe"}, {"page_size": "x%00"}):
        assert client.get("/audit/", bad).status_code == 400, bad


def test_the_viewer_is_audited_with_the_people_it_showed(make_user, log):
    admin, client = _admin_client(make_user)
    person = log["people"][1]
    client.get("/audit/", {"person": str(person.public_id)})
    event = AuditEvent.objects.filter(action="audit.view", actor=admin).latest("pk")
    assert person.pk in set(event.people.values_list("person_id", flat=True))
    assert event.detail["person"] == str(person.public_id)


def test_alerts_are_highlighted_and_filtered(make_user, log, settings, django_capture_on_commit_callbacks):
    settings.EPIQR_AUDIT_PEOPLE_PER_HOUR = 2
    client = Client()
    client.force_login(log["first"])
    with django_capture_on_commit_callbacks(execute=True):
        for person in log["people"][5:8]:
            client.get(f"/people/{person.public_id}/")
    admin, viewer = _admin_client(make_user)
    html = viewer.get("/audit/").content.decode()
    assert 'class="audit-alert"' in html and "Cảnh báo: xem quá nhiều người trong một giờ" in html
    assert _rows(viewer.get("/audit/", {"alerts": "yes"})) == [("can-bo-mot", "audit.people_limit")]


def test_the_export_is_the_whole_filtered_log_through_the_shared_writer(make_user, log):
    admin, client = _admin_client(make_user)
    response = client.get("/audit/", {"format": "csv", "action": "people.", "page_size": 25})
    assert response["Content-Type"].startswith("text/csv")
    table = list(csv.reader(io.StringIO(b"".join(response.streaming_content).decode("utf-8-sig"))))
    assert len(table) == 1 + 6 and {row[1] for row in table[1:]} == {"can-bo-mot", "can-bo-hai"}
    assert all(row[2] == "people.view" for row in table[1:])
    response = client.get("/audit/", {"format": "xlsx"})
    assert "spreadsheetml" in response["Content-Type"]
    exports = AuditEvent.objects.filter(action="audit.view", actor=admin, detail__export="csv")
    assert exports.count() == 1
