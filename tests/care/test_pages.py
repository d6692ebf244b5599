"""Care's pages: the coordinator's work, scope, refusals that keep what was typed, the API."""

import json

import pytest
from django.core.exceptions import PermissionDenied

from epiqr.care import services
from epiqr.care.models import BedPool, Routing
from epiqr.core.errors import Forbidden, NotFound


def test_the_coordinator_sees_and_accepts_a_routing_to_their_facility(care, new_patient, client):
    p = new_patient(rr=22, spo2=95, full_name="Đào Thị Mận")
    r = services.routing_propose(patient=p, actor=care.officer)
    client.force_login(care.coordinator)
    home = client.get("/care/")
    assert home.status_code == 200 and "Đào Thị Mận" in home.content.decode()
    page = client.get(f"/care/facilities/{r.facility_id}/")
    assert page.status_code == 200 and f"/care/routings/{r.pk}/decide/" in page.content.decode()
    answer = client.post(f"/care/routings/{r.pk}/decide/", {"decision": "accept"})
    assert answer.status_code == 302
    assert BedPool.objects.get(facility=r.facility, kind="oxygen").reserved == 1


def test_a_refused_override_shows_the_facility_again_with_the_reason_typed(care, new_patient, client):
    p = new_patient(rr=16, spo2=98)
    r = services.routing_propose(patient=p, actor=care.officer)
    client.force_login(care.coordinator)
    answer = client.post(
        f"/care/routings/{r.pk}/decide/", {"decision": "override", "facility": "", "reason": "Gõ nhầm"}
    )
    assert answer.status_code == 422
    assert 'value="Gõ nhầm"' in answer.content.decode()
    assert Routing.objects.get(pk=r.pk).status == "proposed"


def test_beds_form_keeps_a_bad_number(care, client):
    client.force_login(care.coordinator)
    t1 = care.facilities["t1"]
    answer = client.post(f"/care/facilities/{t1.pk}/beds/", {"normal": "hai mươi"})
    assert answer.status_code == 422 and 'value="hai mươi"' in answer.content.decode()
    assert client.post(f"/care/facilities/{t1.pk}/beds/", {"normal": "30"}).status_code == 302
    assert BedPool.objects.get(facility=t1, kind="normal").total == 30


def test_other_commune_officer_and_other_coordinator_see_nothing(care, new_patient, client, make_user):
    from epiqr.core.permissions import Role

    p = new_patient(full_name="Kiều Văn Sáu")
    client.force_login(care.other_officer)
    assert client.get(f"/care/patients/{p.pk}/").status_code == 404
    other = make_user(Role.FACILITY_COORDINATOR, province=care.commune.province)
    care.facilities["t2far"].coordinators.add(other)
    client.force_login(other)
    assert client.get(f"/care/facilities/{care.facilities['t1'].pk}/").status_code == 404
    assert "Kiều Văn Sáu" not in client.get("/care/").content.decode()


def test_patient_page_explains_severity_and_eligibility(care, new_patient, client):
    p = new_patient(rr=18, spo2=95, birth_year=1990)
    client.force_login(care.officer)
    client.cookies["django_language"] = "en"
    html = client.get(f"/care/patients/{p.pk}/", HTTP_ACCEPT_LANGUAGE="en").content.decode()
    assert "SpO2 95%" in html and "Moderate" in html
    assert "not eligible" in html


def test_team_report_from_the_patient_page(care, new_patient, client):
    p = services.patient_home(patient=new_patient(birth_year=1990), actor=care.officer)
    client.force_login(care.officer)
    bad = client.post(f"/care/patients/{p.pk}/act/", {"action": "report", "slot": "am", "spo2": "chín mươi"})
    assert bad.status_code == 422 and 'value="chín mươi"' in bad.content.decode()
    ok = client.post(
        f"/care/patients/{p.pk}/act/",
        {"action": "report", "slot": "am", "spo2": "98", "respiratory_rate": "16"},
    )
    assert ok.status_code == 302 and p.reports.get().by_team


def test_api_capacity_and_decision(care, new_patient, api_client):
    rows = api_client(care.province).get("/api/v1/care/capacity").json()
    t2 = next(r for r in rows if r["tier"] == 2 and r["kind"] == "oxygen")
    assert (t2["total"], t2["occupied"], t2["free"]) == (20, 6, 14)
    p = new_patient(rr=22, spo2=95)
    proposed = api_client(care.officer).post(
        "/api/v1/care/routings", json.dumps({"case_id": p.case_id}), content_type="application/json"
    )
    assert proposed.status_code == 201 and proposed.json()["facility_id"] == care.facilities["t2"].pk
    rid = proposed.json()["id"]
    coordinator = api_client(care.coordinator)
    first = coordinator.post(
        f"/api/v1/care/routings/{rid}/decision",
        json.dumps({"decision": "accept"}),
        content_type="application/json",
    )
    assert first.status_code == 200 and first.json()["status"] == "accepted"
    again = coordinator.post(
        f"/api/v1/care/routings/{rid}/decision",
        json.dumps({"decision": "accept"}),
        content_type="application/json",
    )
    assert again.status_code == 409
    assert (
        api_client(care.officer)
        .post(
            f"/api/v1/care/routings/{rid}/decision",
            json.dumps({"decision": "accept"}),
            content_type="application/json",
        )
        .status_code
        == 403
    )


def test_api_proposing_for_a_patient_whose_care_has_ended_is_a_409(care, new_patient, api_client):
    p = new_patient(rr=22, spo2=95)
    type(p).objects.filter(pk=p.pk).update(status="recovered")
    r = api_client(care.officer).post(
        "/api/v1/care/routings", json.dumps({"case_id": p.case_id}), content_type="application/json"
    )
    assert r.status_code == 409 and r.json()["code"] == "care_ended"
    assert not Routing.objects.filter(patient=p).exists()


def _three_proposals_to_t2(care, new_patient):
    ps = [new_patient(rr=22, spo2=95) for _ in range(3)]
    rs = [services.routing_propose(patient=p, actor=care.officer) for p in ps]
    assert {r.facility_id for r in rs} == {care.facilities["t2"].pk}
    return rs


def test_bulk_accept_reserves_what_is_left_and_reports_the_losers(care, new_patient):
    """Three proposals to the tier 2 hospital (4 oxygen beds free); meanwhile another coordinator took
    two: accepting all reserves the last two (the oldest proposals) and leaves the third proposed."""
    from epiqr.care.models import BedPool

    rs = _three_proposals_to_t2(care, new_patient)
    BedPool.objects.filter(facility=care.facilities["t2"], kind="oxygen").update(reserved=2)
    done = services.routings_accept_bulk(facility_id=care.facilities["t2"].pk, actor=care.coordinator)
    assert done.accepted == [rs[0].pk, rs[1].pk]
    assert [i for i, _why in done.lost] == [rs[2].pk]
    pool = BedPool.objects.get(facility=care.facilities["t2"], kind="oxygen")
    assert (pool.occupied, pool.reserved, pool.total) == (6, 4, 10)
    assert Routing.objects.get(pk=rs[2].pk).status == "proposed"
    # the officer of another commune is refused before anything is written
    with pytest.raises((PermissionDenied, Forbidden, NotFound)):
        services.routings_accept_bulk(facility_id=care.facilities["t2"].pk, actor=care.other_officer)


def test_bulk_accept_of_the_ticked_on_the_page(care, new_patient, client):
    from epiqr.care.models import BedPool

    rs = _three_proposals_to_t2(care, new_patient)
    client.force_login(care.coordinator)
    url = f"/care/facilities/{care.facilities['t2'].pk}/accept/"
    page = client.get(f"/care/facilities/{care.facilities['t2'].pk}/").content.decode()
    assert 'form="bulk-accept"' in page and "Nhận tất cả" in page
    nothing = client.post(url, {"which": "checked"})
    assert nothing.status_code == 400 and "Đánh dấu" in nothing.content.decode()
    done = client.post(url, {"which": "checked", "routing": [rs[0].pk, rs[2].pk, "x"]}, follow=True)
    assert done.status_code == 200
    assert [Routing.objects.get(pk=r.pk).status for r in rs] == ["accepted", "proposed", "accepted"]
    assert BedPool.objects.get(facility=care.facilities["t2"], kind="oxygen").reserved == 2
    rest = client.post(url, {"which": "all"}, follow=True)
    assert Routing.objects.get(pk=rs[1].pk).status == "accepted" and rest.status_code == 200


def test_api_bulk_accept(care, new_patient, api_client):
    """The scenario behind tests/api/test_schemathesis.py RACES: 200 at one's own facility (two of the
    proposals, and a number that is no proposal here, reported), then the rest; 404 at a facility the
    coordinator does not coordinate."""
    rs = _three_proposals_to_t2(care, new_patient)
    coordinator = api_client(care.coordinator)
    url = f"/api/v1/care/facilities/{care.facilities['t2'].pk}/accept"
    answer = coordinator.post(
        url, json.dumps({"routing_ids": [rs[0].pk, rs[1].pk, 999999]}), content_type="application/json"
    )
    assert answer.status_code == 200
    body = answer.json()
    assert body["accepted"] == [rs[0].pk, rs[1].pk] and [x["id"] for x in body["lost"]] == [999999]
    assert coordinator.post(url, "[null, null]", content_type="application/json").status_code == 422
    all_ = coordinator.post(url, json.dumps({"routing_ids": None}), content_type="application/json")
    assert all_.status_code == 200 and all_.json()["accepted"] == [rs[2].pk]
    elsewhere = coordinator.post(
        f"/api/v1/care/facilities/{care.facilities['t2far'].pk}/accept",
        '{"routing_ids": null}',
        content_type="application/json",
    )
    assert elsewhere.status_code == 404


def test_the_f0_list_is_scoped_filtered_audited_and_exported(care, new_patient, client, api_client):
    """The commune officer's list of F0s: only their commune's (another commune's patient never shows),
    filtered by severity and by name, each page an audited read; the export through the shared writer."""
    from epiqr.cases.services import case_open
    from epiqr.core.models import AuditEvent
    from epiqr.core.timeutil import local_today
    from tests.factories import PersonFactory

    moderate = new_patient(rr=22, spo2=95, full_name="Hà Thị Thu")
    new_patient(rr=16, spo2=98, full_name="Mai Văn Tú")
    case_open(person=PersonFactory(commune=care.other, full_name="Tạ Văn Xa"), confirmed_on=local_today())
    client.force_login(care.officer)
    page = client.get("/care/patients/")
    assert page.status_code == 200
    names = {p.person.full_name for p in page.context["page"].items}
    assert names == {"Hà Thị Thu", "Mai Văn Tú"} and "Tạ Văn Xa" not in page.content.decode()
    assert [p.pk for p in client.get("/care/patients/?severity=moderate").context["page"].items] == [
        moderate.pk
    ]
    assert [p.pk for p in client.get("/care/patients/?q=ha thi").context["page"].items] == [moderate.pk]
    assert client.get(f"/care/patients/?commune={care.other.pk}").status_code == 400  # not their area
    assert client.get("/care/patients/?severity=plague").status_code == 400
    event = AuditEvent.objects.filter(action="care.patients", actor=care.officer).order_by("pk").last()
    assert event is not None and set(event.people.values_list("person_id", flat=True)) == {moderate.person_id}
    csv = client.get("/care/patients/?format=csv&severity=moderate")
    text = b"".join(csv.streaming_content).decode("utf-8-sig")
    assert csv.status_code == 200 and "Hà Thị Thu" in text and "Mai Văn Tú" not in text
    # a coordinator reads the list of their facilities' patients but may not export it
    client.force_login(care.coordinator)
    assert client.get("/care/patients/").status_code == 200
    assert client.get("/care/patients/?format=csv").status_code == 403
    body = api_client(care.officer).get("/api/v1/care/patients?severity=moderate").json()
    assert body["count"] == 1 and body["items"][0]["full_name"] == "Hà Thị Thu"
    assert body["items"][0]["status"] == "confirmed" and body["items"][0]["case_id"] == moderate.case_id
