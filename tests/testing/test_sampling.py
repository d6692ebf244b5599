"""Pairing tubes with people: the station's rules, the API and the mass-screening batch path."""

from datetime import date

import pytest

from epiqr.core.errors import Conflict, Invalid
from epiqr.testing import services
from epiqr.testing.models import BatchReceipt, Tube, TubeEvent, TubeMember, TubeStatus

pytestmark = pytest.mark.django_db


def test_station_fills_a_tube_and_the_next_tube_closes_it(pooled_session, sampler, make_person, qr):
    first = services.station_scan(session=pooled_session, payload="hn-0001", actor=sampler)
    assert first.kind == "tube" and first.tube.barcode == "HN-0001"
    people = [make_person() for _ in range(3)]
    for p in people:
        step = services.station_scan(session=pooled_session, payload=qr(p), actor=sampler)
        assert step.kind == "member" and p.full_name in step.message
    nxt = services.station_scan(session=pooled_session, payload="HN-0002", actor=sampler)
    assert nxt.closed.barcode == "HN-0001"
    tube = Tube.objects.get(barcode="HN-0001")
    assert tube.status == TubeStatus.CLOSED and tube.member_count == 3
    assert set(tube.members.values_list("person_id", flat=True)) == {p.pk for p in people}
    assert list(tube.events.values_list("to_status", flat=True)) == ["open", "closed"]


def test_pool_size_limit_closes_the_full_tube(pooled_session, sampler, make_person, qr):
    services.station_scan(session=pooled_session, payload="HN-0100", actor=sampler)
    for _ in range(4):
        services.station_scan(session=pooled_session, payload=qr(make_person()), actor=sampler)
    last = services.station_scan(session=pooled_session, payload=qr(make_person()), actor=sampler)
    assert last.kind == "closed" and Tube.objects.get(barcode="HN-0100").status == TubeStatus.CLOSED
    with pytest.raises(Invalid) as exc:
        services.station_scan(session=pooled_session, payload=qr(make_person()), actor=sampler)
    assert exc.value.code == "no_tube"


def test_person_in_an_open_tube_of_the_session_is_refused(pooled_session, sampler, make_person, qr):
    person = make_person(full_name="Lê Minh Châu")
    services.station_scan(session=pooled_session, payload="HN-0200", actor=sampler)
    services.station_scan(session=pooled_session, payload=qr(person), actor=sampler)
    with pytest.raises(Conflict) as exc:
        services.station_scan(session=pooled_session, payload=qr(person), actor=sampler)
    assert exc.value.code == "person_in_open_tube" and "Lê Minh Châu" in exc.value.message
    assert TubeMember.objects.filter(person=person).count() == 1


def test_a_person_already_swabbed_in_the_session_is_added_again_only_on_purpose(
    pooled_session, sampler, make_person, qr
):
    from epiqr.testing.selectors import session_counts, session_repeated_people

    people = [make_person() for _ in range(4)]
    services.station_scan(session=pooled_session, payload="HN-0250", actor=sampler)
    for p in people:
        services.station_scan(session=pooled_session, payload=qr(p), actor=sampler)
    services.station_scan(session=pooled_session, payload="HN-0251", actor=sampler)  # closes HN-0250
    with pytest.raises(Conflict) as exc:  # scanned again by mistake: the count would say 5 for 4 people
        services.station_scan(session=pooled_session, payload=qr(people[0]), actor=sampler)
    assert exc.value.code == "person_sampled_in_session"
    assert people[0].full_name in exc.value.message and "HN-0250" in exc.value.message
    counts = session_counts(session=pooled_session)
    assert (counts.people, counts.samples) == (4, 4)
    # A deliberate second swab is recorded; the session then says 4 people, 5 samples, and who.
    services.station_scan(session=pooled_session, payload=qr(people[0]), actor=sampler, repeat_ok=True)
    counts = session_counts(session=pooled_session)
    assert (counts.people, counts.samples) == (4, 5)
    [repeated] = session_repeated_people(session=pooled_session)
    assert repeated["person"] == people[0] and [t.barcode for t in repeated["tubes"]] == [
        "HN-0250",
        "HN-0251",
    ]


def test_the_station_page_adds_the_second_swab_when_the_same_code_is_scanned_again(
    client, pooled_session, sampler, make_person, qr
):
    person = make_person(full_name="Trần Thị Bình")
    client.force_login(sampler)
    url = f"/testing/sessions/{pooled_session.pk}/station/scan/"
    hx = {"HX-Request": "true"}
    for payload in ("HN-0260", qr(person), "HN-0261"):
        assert client.post(url, {"payload": payload}, headers=hx).status_code == 200
    warned = client.post(url, {"payload": qr(person)}, headers=hx)
    assert warned.status_code == 409 and "Trần Thị Bình" in warned.content.decode()
    assert TubeMember.objects.filter(person=person).count() == 1
    # Another person's scan in between cancels the pending confirmation.
    other = make_person()
    assert client.post(url, {"payload": qr(other)}, headers=hx).status_code == 200
    assert client.post(url, {"payload": qr(person)}, headers=hx).status_code == 409
    added = client.post(url, {"payload": qr(person)}, headers=hx)
    assert added.status_code == 200 and TubeMember.objects.filter(person=person).count() == 2
    assert "2 người. (3 mẫu: có người được lấy mẫu nhiều hơn một lần)" in added.content.decode()
    # The session keeps no scanned payload, only a digest.
    assert qr(person) not in str(dict(client.session))
    page = client.get(f"/testing/sessions/{pooled_session.pk}/").content.decode()
    assert 'id="repeated"' in page and "Trần Thị Bình" in page


def test_api_adds_a_repeat_member_only_when_asked(api_client, pooled_session, sampler, make_person, qr):
    client = api_client(sampler)
    person = make_person()
    url = f"/api/v1/testing/sessions/{pooled_session.pk}/tubes"
    assert (
        client.post(
            url, {"barcode": "API-R1", "members": [qr(person)]}, content_type="application/json"
        ).status_code
        == 201
    )
    assert (
        client.post(
            url,
            {"barcode": "API-R2", "members": [qr(make_person())], "close": False},
            content_type="application/json",
        ).status_code
        == 201
    )
    add = "/api/v1/testing/tubes/API-R2/members"
    refused = client.post(add, {"payload": qr(person)}, content_type="application/json")
    assert refused.status_code == 409 and refused.json()["code"] == "person_sampled_in_session"
    assert (
        client.post(add, {"payload": qr(person), "repeat": True}, content_type="application/json").status_code
        == 201
    )


def test_used_tube_barcode_is_refused_even_after_closing(pooled_session, sampler, make_person, qr):
    services.station_scan(session=pooled_session, payload="HN-0300", actor=sampler)
    services.station_scan(session=pooled_session, payload=qr(make_person()), actor=sampler)
    services.station_scan(session=pooled_session, payload="XONG", actor=sampler)
    with pytest.raises(Conflict) as exc:
        services.station_scan(session=pooled_session, payload="hn-0300", actor=sampler)
    assert exc.value.code == "tube_used"
    assert Tube.objects.filter(barcode="HN-0300").count() == 1


def test_an_empty_tube_is_discarded_on_done(pooled_session, sampler):
    services.station_scan(session=pooled_session, payload="HN-0400", actor=sampler)
    step = services.station_scan(session=pooled_session, payload="xong", actor=sampler)
    assert step.kind == "done" and step.closed is None
    assert not Tube.objects.filter(barcode="HN-0400").exists()


def test_unreadable_scan_is_refused_without_touching_the_tube(pooled_session, sampler):
    services.station_scan(session=pooled_session, payload="HN-0500", actor=sampler)
    with pytest.raises(Invalid):
        services.station_scan(session=pooled_session, payload="EPIQR1:forged.code", actor=sampler)
    assert Tube.objects.get(barcode="HN-0500").member_count == 0


def test_individual_session_holds_one_person_per_tube(single_session, sampler, make_person, qr):
    services.station_scan(session=single_session, payload="HN-0600", actor=sampler)
    step = services.station_scan(session=single_session, payload=qr(make_person()), actor=sampler)
    assert step.kind == "closed"


def test_transition_guard_refuses_a_move_not_in_the_table(filled_tube, sampler):
    tube = filled_tube("HN-0700")
    with pytest.raises(Conflict):
        services.tube_transition(tube=tube, to=TubeStatus.OPEN, actor=sampler)


def test_api_creates_a_tube_adds_a_member_and_closes_it(api_client, pooled_session, sampler, make_person, qr):
    client = api_client(sampler)
    a, b, c = make_person(), make_person(), make_person()
    url = f"/api/v1/testing/sessions/{pooled_session.pk}/tubes"
    r = client.post(
        url,
        {"barcode": "API-001", "members": [qr(a), qr(b)], "close": False},
        content_type="application/json",
    )
    assert r.status_code == 201, r.content
    assert r.json()["member_count"] == 2 and r.json()["status"] == "open"
    r = client.post(
        "/api/v1/testing/tubes/API-001/members", {"payload": qr(c)}, content_type="application/json"
    )
    assert r.status_code == 201 and r.json()["member_count"] == 3
    r = client.post("/api/v1/testing/tubes/API-001/close")
    assert r.status_code == 200 and r.json()["status"] == "closed"
    r = client.post(
        "/api/v1/testing/tubes/API-001/members",
        {"payload": qr(make_person())},
        content_type="application/json",
    )
    assert r.status_code == 409 and r.json()["code"] == "tube_closed"


def test_api_refuses_a_bad_member_whole_and_keeps_the_barcode_free(
    api_client, pooled_session, sampler, make_person, qr
):
    client = api_client(sampler)
    url = f"/api/v1/testing/sessions/{pooled_session.pk}/tubes"
    r = client.post(
        url,
        {"barcode": "API-002", "members": [qr(make_person()), "garbage|"]},
        content_type="application/json",
    )
    assert r.status_code == 422
    assert r.json()["member_index"] == 1
    assert not Tube.objects.filter(barcode="API-002").exists()
    r = client.post(
        url, {"barcode": "API-002", "members": [qr(make_person())]}, content_type="application/json"
    )
    assert r.status_code == 201


def test_api_is_scoped_to_the_samplers_commune(api_client, make_user, other_commune, pooled_session):
    from epiqr.core.permissions import Role

    outsider = make_user(Role.SAMPLER, commune=other_commune)
    r = api_client(outsider).post(
        f"/api/v1/testing/sessions/{pooled_session.pk}/tubes",
        {"barcode": "API-003", "members": ["x"]},
        content_type="application/json",
    )
    assert r.status_code == 404


def test_batch_pairs_tubes_rejects_bad_ones_and_is_idempotent(
    api_client, pooled_session, sampler, make_person, qr
):
    services.tube_open(session=pooled_session, barcode="USED-1", actor=sampler)
    people = [make_person() for _ in range(8)]
    body = {
        "client_id": "device-7-batch-1",
        "tubes": [
            {"barcode": "B-0001", "members": [qr(p) for p in people[:4]]},
            {"barcode": "B-0002", "members": [qr(p) for p in people[4:8]]},
            {"barcode": "USED-1", "members": [qr(people[0])]},
            {"barcode": "B-0003", "members": [qr(people[0]), "EPIQR1:bad.sig"]},
            {"barcode": "B-0004", "members": [qr(p) for p in people[:6]]},
            {"barcode": "B-0005", "members": [qr(people[1]), qr(make_person())]},
        ],
    }
    client = api_client(sampler)
    url = f"/api/v1/testing/sessions/{pooled_session.pk}/batch"
    r = client.post(url, body, content_type="application/json")
    assert r.status_code == 200, r.content
    data = r.json()
    assert data["accepted"] == 2 and data["people"] == 8 and not data["replayed"]
    reasons = {x["barcode"]: x["code"] for x in data["rejected"]}
    assert reasons == {
        "USED-1": "tube_used",
        "B-0003": "bad_signature",
        "B-0004": "tube_size",
        "B-0005": "person_twice",
    }
    assert Tube.objects.get(barcode="B-0001").status == TubeStatus.CLOSED
    assert TubeMember.objects.filter(tube__barcode__in=["B-0001", "B-0002"]).count() == 8
    assert TubeEvent.objects.filter(tube__barcode="B-0002", to_status="closed").count() == 1
    again = client.post(url, body, content_type="application/json")
    assert again.json()["replayed"] is True and again.json()["accepted"] == 2
    assert TubeMember.objects.filter(tube__barcode__in=["B-0001", "B-0002"]).count() == 8
    assert BatchReceipt.objects.count() == 1


def test_batch_without_client_id_is_refused(api_client, pooled_session, sampler):
    r = api_client(sampler).post(
        f"/api/v1/testing/sessions/{pooled_session.pk}/batch",
        {"client_id": "", "tubes": []},
        content_type="application/json",
    )
    assert r.status_code == 422


def test_session_setup_refuses_bad_pool_limit(site, sampler):
    from epiqr.core.timeutil import local_today
    from epiqr.testing.models import TestKind

    with pytest.raises(Invalid):
        services.session_create(
            site=site, team="T", day=local_today(), kind=TestKind.PCR_POOLED, pool_size_limit=99
        )


def test_a_member_refused_by_the_api_leaves_no_trace_of_the_new_card(api_client, filled_tube, sampler):
    """A card nobody has yet would register its holder; when the tube refuses the member, nobody is added."""
    from epiqr.people.models import Person
    from tests.people.payloads import cccd, cccd_number

    tube = filled_tube("HN-0900", n=2)
    people = Person.objects.count()
    card = cccd(number=cccd_number(born=1988, serial=777001), born=date(1988, 2, 3))
    r = api_client(sampler).post(
        f"/api/v1/testing/tubes/{tube.barcode}/members", {"payload": card}, content_type="application/json"
    )
    assert r.status_code == 409 and r.json()["code"] == "tube_closed"
    assert Person.objects.count() == people
