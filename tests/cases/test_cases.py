"""Cases as tracing input: the infectious period rule, the officer's override, and three ways to open."""

from datetime import date, datetime, timedelta

import pytest
from django.test import Client

from epiqr.cases.models import Case
from epiqr.cases.period import VN_TZ, infectious_period
from epiqr.cases.selectors import case_period
from epiqr.cases.services import case_open, case_period_override
from epiqr.core.errors import Conflict, Invalid
from epiqr.core.models import AuditEvent
from epiqr.core.permissions import Role
from epiqr.core.timeutil import local_today
from tests.factories import PASSWORD, PersonFactory

D = date(2026, 11, 10)


def test_period_runs_from_two_days_before_onset_until_isolation():
    isolated = datetime(2026, 11, 12, 15, 0, tzinfo=VN_TZ)
    p = infectious_period(confirmed_on=D, onset_on=D - timedelta(days=1), sample_on=D, isolated_at=isolated)
    assert (p.start, p.end, p.basis) == (datetime(2026, 11, 7, tzinfo=VN_TZ), isolated, "onset")


def test_without_symptoms_the_sample_date_counts_then_the_confirmation_date():
    p = infectious_period(confirmed_on=D, sample_on=D - timedelta(days=2), days_before=3)
    assert p.start == datetime(2026, 11, 5, tzinfo=VN_TZ) and p.basis == "sample"
    assert p.end == datetime(2026, 11, 11, tzinfo=VN_TZ)  # end of the confirmation day: isolated then
    assert infectious_period(confirmed_on=D).basis == "confirmation"


def test_override_wins_and_may_set_one_end_only():
    start = datetime(2026, 11, 1, 8, tzinfo=VN_TZ)
    p = infectious_period(confirmed_on=D, onset_on=D, start_override=start)
    assert p.start == start and p.end == datetime(2026, 11, 11, tzinfo=VN_TZ) and p.basis == "override"


@pytest.mark.django_db
def test_officer_override_needs_a_reason_and_is_audited(commune, make_user):
    officer = make_user(commune=commune)
    case = case_open(person=PersonFactory(commune=commune), confirmed_on=local_today())
    start = datetime.now(VN_TZ) - timedelta(days=6)
    with pytest.raises(Invalid):
        case_period_override(
            case=case, infectious_from=start, infectious_until=None, reason="  ", actor=officer
        )
    with pytest.raises(Invalid):
        case_period_override(
            case=case,
            infectious_from=start,
            infectious_until=start - timedelta(hours=1),
            reason="x",
            actor=officer,
        )
    case_period_override(
        case=case,
        infectious_from=start,
        infectious_until=None,
        reason="Ca bệnh khai đi đám cưới sớm hơn",
        actor=officer,
    )
    case.refresh_from_db()
    assert case_period(case=case).start == start
    event = AuditEvent.objects.get(action="case.period_override")
    assert event.actor == officer and "đám cưới" in event.reason


@pytest.mark.django_db
def test_case_open_keeps_its_rules(commune):
    person = PersonFactory(commune=commune)
    with pytest.raises(Invalid):
        case_open(person=person, confirmed_on=local_today() + timedelta(days=1))
    with pytest.raises(Invalid):
        case_open(person=person, confirmed_on=local_today(), onset_on=local_today() + timedelta(days=1))
    case = case_open(person=person, confirmed_on=local_today(), sample_on=local_today(), source="lab")
    assert case.commune == commune and case.source == "lab"
    with pytest.raises(Conflict):
        case_open(person=person, confirmed_on=local_today())


@pytest.mark.django_db
def test_open_a_case_through_the_api_by_public_id_and_by_phone(commune, other_commune, make_user, api_client):
    officer = make_user(commune=commune)
    client = api_client(officer)
    an = PersonFactory(commune=commune, phone="0912345678")
    r = client.post(
        "/api/v1/cases",
        {
            "person": str(an.public_id),
            "confirmed_on": str(local_today()),
            "onset_on": str(local_today() - timedelta(days=1)),
        },
        content_type="application/json",
    )
    assert r.status_code == 201, r.content
    body = r.json()
    assert body["full_name"] == an.full_name and body["period_basis"] == "onset" and body["source"] == "api"
    assert client.get(f"/api/v1/cases/{body['id']}").json()["id"] == body["id"]
    r = client.post(
        "/api/v1/cases",
        {"identifier": "0912345678", "confirmed_on": str(local_today())},
        content_type="application/json",
    )
    assert r.status_code == 409 and r.json()["code"] == "already_case"
    outsider = PersonFactory(commune=other_commune)
    r = client.post(
        "/api/v1/cases",
        {"person": str(outsider.public_id), "confirmed_on": str(local_today())},
        content_type="application/json",
    )
    assert r.status_code == 404 and not Case.objects.filter(person=outsider).exists()
    r = client.post("/api/v1/cases", {"confirmed_on": str(local_today())}, content_type="application/json")
    assert r.status_code == 422 and r.json()["field"] == "person"
    r = client.post(
        "/api/v1/cases",
        {"person": str(an.public_id), "confirmed_on": "yesterday"},
        content_type="application/json",
    )
    assert r.status_code == 422
    assert (
        api_client(make_user(Role.VENUE_OWNER))
        .post(
            "/api/v1/cases",
            {"person": str(an.public_id), "confirmed_on": str(local_today())},
            content_type="application/json",
        )
        .status_code
        == 403
    )


@pytest.mark.django_db
def test_open_a_case_from_the_persons_page_link_and_by_scanning_their_personal_qr(commune, make_user):
    from epiqr.people.services import person_personal_qr

    officer = make_user(commune=commune)
    client = Client()
    client.login(username=officer.username, password=PASSWORD)
    binh = PersonFactory(commune=commune)
    page = client.get(f"/cases/open/?person={binh.public_id}")
    assert page.status_code == 200 and binh.full_name in page.content.decode()
    r = client.post(
        f"/cases/open/?person={binh.public_id}",
        {"person": str(binh.public_id), "confirmed_on": str(local_today())},
    )
    case = Case.objects.get(person=binh)
    assert r.status_code == 302 and r["Location"] == f"/cases/{case.pk}/" and case.source == "manual"
    chau = PersonFactory(commune=commune)
    r = client.post(
        "/cases/open/", {"scan": person_personal_qr(person=chau), "confirmed_on": str(local_today())}
    )
    assert r.status_code == 302 and Case.objects.get(person=chau).source == "scan"
    r = client.post("/cases/open/", {"scan": "rubbish|", "confirmed_on": str(local_today())})
    assert r.status_code == 422
    detail = client.get(f"/cases/{case.pk}/").content.decode()
    assert binh.full_name in detail and "vn-window-60" in detail


@pytest.mark.django_db
def test_cancelling_a_case_needs_a_reason_and_an_active_case(commune, make_user):
    from epiqr.cases.services import case_cancel

    officer = make_user(Role.COMMUNE_OFFICER, commune=commune)
    case = case_open(person=PersonFactory(commune=commune), confirmed_on=local_today())
    with pytest.raises(Invalid):
        case_cancel(case=case, reason="  ", actor=officer)
    case.refresh_from_db()
    assert case.status == "active"
    case_cancel(case=case, reason="Nhập nhầm người", actor=officer)
    case.refresh_from_db()
    assert case.status == "closed"
    assert (
        AuditEvent.objects.filter(action="case.cancel", actor=officer, reason="Nhập nhầm người").count() == 1
    )
    with pytest.raises(Conflict):
        case_cancel(case=case, reason="lần nữa", actor=officer)


@pytest.mark.django_db
def test_an_officer_cancels_a_case_opened_by_mistake_from_its_page(commune, other_commune, make_user):
    officer = make_user(Role.COMMUNE_OFFICER, commune=commune)
    case = case_open(person=PersonFactory(commune=commune), confirmed_on=local_today(), actor=officer)
    client = Client()
    assert client.login(username=officer.username, password=PASSWORD)
    assert "Huỷ ca bệnh" in client.get(f"/cases/{case.pk}/").content.decode()
    refused = client.post(f"/cases/{case.pk}/cancel/", {"reason": " "}, follow=True)
    case.refresh_from_db()
    assert case.status == "active" and "lý do" in refused.content.decode()
    outsider = Client()
    assert outsider.login(
        username=make_user(Role.COMMUNE_OFFICER, commune=other_commune).username, password=PASSWORD
    )
    assert outsider.post(f"/cases/{case.pk}/cancel/", {"reason": "nhầm"}).status_code == 404
    done = client.post(f"/cases/{case.pk}/cancel/", {"reason": "Mở nhầm người"}, follow=True)
    case.refresh_from_db()
    assert case.status == "closed" and f"#{case.pk}" in done.content.decode()
    assert "Huỷ ca bệnh" not in client.get(f"/cases/{case.pk}/").content.decode()
    assert (
        client.post(f"/cases/{case.pk}/cancel/", {"reason": "lần nữa"}).status_code == 302
    )  # told, not a 500


@pytest.mark.django_db
def test_api_cancels_a_case_with_a_reason(commune, make_user, api_client):
    officer = make_user(Role.COMMUNE_OFFICER, commune=commune)
    case = case_open(person=PersonFactory(commune=commune), confirmed_on=local_today())
    client = api_client(officer)
    url = f"/api/v1/cases/{case.pk}/cancel"
    assert client.post(url, {}, content_type="application/json").status_code == 422
    assert client.post(url, {"reason": ""}, content_type="application/json").status_code == 422
    ok = client.post(url, {"reason": "Nhập nhầm"}, content_type="application/json")
    assert ok.status_code == 200 and ok.json()["status"] == "closed"
    again = client.post(url, {"reason": "Nhập nhầm"}, content_type="application/json")
    assert again.status_code == 409 and again.json()["code"] == "not_active"
