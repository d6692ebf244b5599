"""The console, the queues and a request's page, as operators and team officers use them."""

import re

from django.test import Client

from epiqr.hotline import selectors
from epiqr.hotline.models import Status, Ticket
from tests.factories import PersonFactory


def _client(user):
    c = Client()
    c.force_login(user)
    return c


def test_the_console_finds_the_caller_by_phone_with_their_case_and_requests(hotline, file_call, commune):
    from epiqr.cases.services import case_open
    from epiqr.core.models import AuditEvent, AuditPerson
    from epiqr.core.timeutil import local_today

    person = PersonFactory(commune=commune, phone="0987654321", full_name="Đặng Thị Thử")
    case = case_open(person=person, confirmed_on=local_today())
    earlier = file_call(phone="0987654321", category="f0_care")
    page = _client(hotline.operator).get("/hotline/", {"phone": "+84 987 654 321"})
    assert page.status_code == 200
    html = page.content.decode()
    assert "Đặng Thị Thử" in html and f" {case.pk})</span>" in html
    assert f"/hotline/tickets/{earlier.pk}/" in html
    # the lookup is audited: the number searched for and the person it showed
    [event] = AuditEvent.objects.filter(action="hotline.console", actor=hotline.operator)
    assert event.reason == "phone lookup: 0987654321"
    assert list(AuditPerson.objects.filter(event=event).values_list("person_id", flat=True)) == [person.pk]


def test_filing_a_call_from_the_console(hotline, commune, sent_messages):
    c = _client(hotline.operator)
    response = c.post(
        "/hotline/",
        {"phone": "0912345678", "category": "emergency", "description": "Bà cụ ngã, không dậy được",
         "caller_name": "Lý Văn Thử", "commune": commune.pk, "address": "5 ngõ Thử", "team": hotline.medical.pk},
    )  # fmt: skip
    assert response.status_code == 302
    ticket = Ticket.objects.get()
    assert response["Location"] == f"/hotline/?filed={ticket.pk}"
    assert (ticket.category, ticket.priority, ticket.team) == ("emergency", 0, hotline.medical)
    assert ticket.created_by == hotline.operator


def test_a_refused_call_keeps_everything_typed(hotline, commune):
    response = _client(hotline.operator).post(
        "/hotline/",
        {
            "phone": "0912345678",
            "category": "",
            "description": "Cần hỗ trợ thực phẩm gấp",
            "address": "9 Thử",
        },
    )
    assert response.status_code == 422
    html = response.content.decode()
    assert "Cần hỗ trợ thực phẩm gấp" in html and "9 Thử" in html
    assert not Ticket.objects.exists()


def test_a_commune_officer_sees_the_queue_of_their_team_only(hotline, file_call):
    mine = file_call(team_id=hotline.commune_team.pk, description="Việc của tổ tôi")
    theirs = file_call(
        team_id=hotline.other_team.pk,
        description="Việc của tổ khác",
        commune_id=hotline.other_team.commune_id,
    )
    c = _client(hotline.officer)
    html = c.get("/hotline/queue/").content.decode()
    assert f"#{mine.pk}" in html and f"#{theirs.pk}" not in html
    assert c.get(f"/hotline/tickets/{theirs.pk}/").status_code == 404
    assert c.get(f"/hotline/tickets/{mine.pk}/").status_code == 200
    assert c.get("/hotline/").status_code == 403  # the console is for operators


def test_the_queue_reads_most_urgent_first(hotline, file_call, clock):
    low = file_call(category="permits", team_id=hotline.commune_team.pk)
    urgent = file_call(category="emergency", team_id=hotline.medical.pk)
    normal = file_call(category="violation", team_id=hotline.commune_team.pk)
    html = _client(hotline.operator).get("/hotline/queue/").content.decode()
    order = [int(n) for n in re.findall(r'href="/hotline/tickets/(\d+)/"', html)]
    assert order == [urgent.pk, normal.pk, low.pk]


def test_actions_from_the_ticket_page(hotline, file_call, sent_messages):
    ticket = file_call(team_id=hotline.commune_team.pk)
    c = _client(hotline.officer)
    assert c.post(f"/hotline/tickets/{ticket.pk}/act/", {"action": "take"}).status_code == 302
    response = c.post(f"/hotline/tickets/{ticket.pk}/act/", {"action": "resolve", "text": ""})
    assert response.status_code == 422  # what was done is required
    response = c.post(f"/hotline/tickets/{ticket.pk}/act/", {"action": "resolve", "text": "Đã giao gạo"})
    assert response.status_code == 302
    ticket.refresh_from_db()
    assert ticket.status == Status.RESOLVED and ticket.resolution == "Đã giao gạo"
    assert c.post(f"/hotline/tickets/{ticket.pk}/act/", {"action": "explode"}).status_code == 422
    outsider = _client(hotline.outsider)
    assert (
        outsider.post(f"/hotline/tickets/{ticket.pk}/act/", {"action": "reopen", "text": "x"}).status_code
        == 404
    )


def test_statistics_per_team(hotline, file_call, clock):
    from epiqr.hotline import services

    a = file_call(team_id=hotline.commune_team.pk)
    file_call(team_id=hotline.commune_team.pk, category="emergency")
    clock.advance(hours=2)
    services.ticket_resolve(ticket=a, actor=hotline.officer, resolution="Xong")
    clock.advance(hours=1)  # the emergency (15 minutes) is now overdue
    html = _client(hotline.operator).get("/hotline/stats/").content.decode()
    assert hotline.commune_team.name in html
    from epiqr.hotline.selectors import team_stats

    row = next(s for s in team_stats(user=hotline.operator) if s.team_id == hotline.commune_team.pk)
    assert (row.open, row.overdue, row.resolved, row.median_minutes) == (1, 1, 1, 120.0)

    # the same figures as a download (the shared CSV/XLSX writer), for the daily report
    c = _client(hotline.operator)
    response = c.get("/hotline/stats/", {"format": "csv", "days": "7"})
    assert response.status_code == 200 and response["Content-Type"].startswith("text/csv")
    lines = b"".join(response.streaming_content).decode("utf-8-sig").splitlines()
    assert len(lines) == 1 + len(team_stats(user=hotline.operator))
    assert f"{hotline.commune_team.name},Ban chỉ đạo xã / phường,1,1,1,120.0" in lines
    xlsx = c.get("/hotline/stats/", {"format": "xlsx"})
    assert xlsx.status_code == 200 and xlsx["Content-Disposition"].endswith('-7-ngay.xlsx"')


def test_a_request_page_links_the_person_their_case_and_the_contacts(hotline, file_call, commune):
    """The F0's request shows their case's tracing runs (its contacts a click away); a caller who is a
    contact of an F0 shows that case, their degree and their follow-up, on the page and in the API."""
    from epiqr.cases.services import case_open
    from epiqr.core.timeutil import local_today
    from tests.factories import VenueFactory
    from tests.tracing.bigrun import big_run

    f0 = PersonFactory(commune=commune, phone="0977000001")
    case = case_open(person=f0, confirmed_on=local_today())
    caller = PersonFactory(commune=commune, phone="0977000002")
    run = big_run(case=case, venue=VenueFactory(commune=commune), communes=[commune], f1=1, people=[caller])
    of_f0 = file_call(category="f0_care", person_id=f0.pk, phone=f0.phone)
    of_contact = file_call(category="test_results", person_id=caller.pk, phone=caller.phone)
    c = _client(hotline.operator)

    html = c.get(f"/hotline/tickets/{of_f0.pk}/").content.decode()
    assert f"/cases/{case.pk}/" in html and f"/people/{f0.public_id}/" in html
    assert f'href="/tracing/runs/{run.pk}/"' in html and f"#{run.pk}: 1 " in html  # the case's 1 contact
    html = c.get(f"/hotline/tickets/{of_contact.pk}/").content.decode()
    assert f'href="/tracing/runs/{run.pk}/"' in html and f"F1 · F0 #{case.pk}" in html

    body = c.get(f"/api/v1/hotline/tickets/{of_contact.pk}").json()
    assert body["person_id"] == caller.pk and body["case_runs"] == []
    assert [(x["run_id"], x["case_id"], x["degree"], x["status"]) for x in body["contact_of"]] == [
        (run.pk, case.pk, 1, "to_call")
    ]
    [listed] = c.get(f"/api/v1/hotline/tickets/{of_f0.pk}").json()["case_runs"]
    assert (listed["run_id"], listed["contacts"]) == (run.pk, 1)
    # outside the contact's jurisdiction the link is not shown (tracing's scope rules)
    assert not selectors.ticket_links(user=hotline.outsider, ticket=of_contact).contact_of
