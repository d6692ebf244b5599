"""Care's services: the status machine with history, beds kept by admissions, discharges and transfers,
routing proposals and the coordinator's decisions, scope before every write."""

import pytest
from django.core.exceptions import PermissionDenied

from epiqr.care import selectors, services
from epiqr.care.models import BedPool, PatientHistory, Routing
from epiqr.core.errors import Conflict, Invalid, NotFound


def beds(facility, kind):
    return BedPool.objects.get(facility=facility, kind=kind)


def test_a_moderate_case_is_proposed_the_nearest_tier_2_oxygen_bed(care, new_patient):
    p = new_patient(rr=22, spo2=95, signs=["breathless_exertion"])
    assert p.severity == "moderate"
    r = services.routing_propose(patient=p, actor=care.officer)
    assert (r.status, r.facility, r.tier, r.bed_kind) == ("proposed", care.facilities["t2"], 2, "oxygen")


def test_accept_reserves_admit_occupies_discharge_frees(care, new_patient):
    """Lan (made up) is routed, accepted, arrives, recovers: the oxygen beds count her at every step."""
    t2 = care.facilities["t2"]
    p = new_patient(rr=22, spo2=95)
    r = services.routing_propose(patient=p, actor=care.officer)
    services.routing_decide(routing_id=r.pk, actor=care.coordinator, accept=True)
    assert (beds(t2, "oxygen").occupied, beds(t2, "oxygen").reserved) == (6, 1)
    p = services.patient_admit(patient=p, actor=care.coordinator)
    assert p.status == "admitted" and p.facility == t2 and p.bed_kind == "oxygen" and p.setting == "tier2"
    assert (beds(t2, "oxygen").occupied, beds(t2, "oxygen").reserved) == (7, 0)
    p = services.patient_discharge(patient=p, actor=care.coordinator, to="recovered", note="Khỏi")
    assert (beds(t2, "oxygen").occupied, beds(t2, "oxygen").reserved) == (6, 0)
    assert p.released_on is not None and p.release_code is not None
    moves = list(PatientHistory.objects.filter(patient=p).values_list("from_status", "to_status"))
    assert moves == [("confirmed", "admitted"), ("admitted", "recovered")]


def test_the_last_bed_goes_once(care, new_patient):
    """Two routings for the last free ICU bed: the second acceptance is refused and nothing goes negative."""
    t3 = care.facilities["t3"]
    BedPool.objects.filter(facility=t3, kind="icu").update(total=3, occupied=2)
    a, b = new_patient(rr=35, spo2=85), new_patient(rr=34, spo2=86)
    ra = Routing.objects.create(patient=a, facility=t3, tier=3, bed_kind="icu")
    rb = Routing.objects.create(patient=b, facility=t3, tier=3, bed_kind="icu")
    services.routing_decide(routing_id=ra.pk, actor=care.province, accept=True)
    with pytest.raises(Conflict) as refused:
        services.routing_decide(routing_id=rb.pk, actor=care.province, accept=True)
    assert refused.value.code == "no_bed"
    pool = beds(t3, "icu")
    assert (pool.occupied, pool.reserved, pool.free) == (2, 1, 0)
    assert Routing.objects.get(pk=rb.pk).status == "proposed"


def test_override_needs_a_reason_and_a_facility_of_the_coordinator(care, new_patient):
    p = new_patient(rr=16, spo2=98)
    r = services.routing_propose(patient=p, actor=care.officer)
    assert r.facility == care.facilities["t1"]
    with pytest.raises(Invalid):
        services.routing_decide(
            routing_id=r.pk, actor=care.coordinator, accept=True, facility_id=care.facilities["t2"].pk
        )
    with pytest.raises(NotFound):  # not one of theirs
        services.routing_decide(
            routing_id=r.pk,
            actor=care.coordinator,
            accept=True,
            facility_id=care.facilities["t3"].pk,
            reason="gần hơn",
        )
    done = services.routing_decide(
        routing_id=r.pk,
        actor=care.coordinator,
        accept=True,
        facility_id=care.facilities["t2"].pk,
        reason="Trạm 1 quá tải",
    )
    assert done.facility == care.facilities["t2"] and done.proposed_facility == care.facilities["t1"]
    assert beds(care.facilities["t2"], "normal").reserved == 1


def test_decline_needs_a_reason_and_withdraws(care, new_patient):
    p = new_patient(rr=16, spo2=98)
    r = services.routing_propose(patient=p, actor=care.officer)
    with pytest.raises(Invalid):
        services.routing_decide(routing_id=r.pk, actor=care.coordinator, accept=False)
    done = services.routing_decide(
        routing_id=r.pk, actor=care.coordinator, accept=False, reason="Hết nhân lực"
    )
    assert done.status == "withdrawn" and beds(care.facilities["t1"], "normal").reserved == 0
    with pytest.raises(Conflict):
        services.routing_decide(routing_id=r.pk, actor=care.coordinator, accept=True)


def test_escalation_when_no_bed(care, new_patient):
    BedPool.objects.filter(kind="icu").update(total=1, occupied=1)
    p = new_patient(rr=35, spo2=80, signs=["cyanosis"])
    r = services.routing_propose(patient=p, actor=care.officer)
    assert r.status == "escalated" and r.facility is None
    assert list(selectors.routing_list_escalated(user=care.province)) == [r]


def test_transfer_when_severity_changes(care, new_patient):
    """An admitted moderate F0 worsens: a tier 3 transfer is proposed; accepted, the tier 2 bed is freed
    at once and the patient is being transferred until admitted at tier 3."""
    p = new_patient(rr=22, spo2=95)
    r = services.routing_propose(patient=p, actor=care.officer)
    services.routing_decide(routing_id=r.pk, actor=care.coordinator, accept=True)
    p = services.patient_admit(patient=p, actor=care.coordinator)
    p = services.patient_assess(
        patient=p, actor=care.officer, respiratory_rate=28, spo2=91, signs=["breathless_rest"]
    )
    transfer = Routing.objects.filter(patient=p, status="proposed").get()
    assert (transfer.tier, transfer.bed_kind, transfer.facility) == (3, "oxygen", care.facilities["t3"])
    services.routing_decide(routing_id=transfer.pk, actor=care.province, accept=True)
    p.refresh_from_db()
    assert p.status == "transferred"
    assert beds(care.facilities["t2"], "oxygen").occupied == 6
    p = services.patient_admit(patient=p, actor=care.province)
    assert p.status == "admitted" and p.facility == care.facilities["t3"]
    assert beds(care.facilities["t3"], "oxygen").occupied == 1


def test_the_machine_refuses_unlisted_moves(care, new_patient):
    p = new_patient()
    p = services.patient_transition(patient=p, to="recovered", actor=care.officer)
    with pytest.raises(Conflict):
        services.patient_transition(patient=p, to="admitted", actor=care.officer)
    with pytest.raises(Invalid):
        services.patient_transition(patient=p, to="flying", actor=care.officer)


def test_beds_cannot_drop_below_what_is_used_and_only_by_their_coordinator(care, other_commune, make_user):
    from epiqr.core.permissions import Role

    t2 = care.facilities["t2"]
    with pytest.raises(Conflict):
        services.beds_set(facility=t2, actor=care.coordinator, totals={"oxygen": "5"})
    services.beds_set(facility=t2, actor=care.coordinator, totals={"oxygen": "6", "icu": "2"})
    assert beds(t2, "oxygen").total == 6 and beds(t2, "icu").total == 2
    stranger = make_user(Role.FACILITY_COORDINATOR, province=care.commune.province)
    care.facilities["t2far"].coordinators.add(stranger)
    with pytest.raises(NotFound):
        services.beds_set(facility=t2, actor=stranger, totals={"oxygen": "20"})
    with pytest.raises(PermissionDenied):
        services.beds_set(facility=t2, actor=care.officer, totals={"oxygen": "20"})
    with pytest.raises(Invalid):
        services.beds_set(facility=t2, actor=care.coordinator, totals={"oxygen": "-3"})


def test_home_care_only_when_eligible(care, new_patient):
    from epiqr.care.models import Patient

    ok = new_patient(rr=16, spo2=98, birth_year=1995)
    assert services.patient_home(patient=ok, actor=care.officer).status == "at_home"
    low = new_patient(rr=16, spo2=95, birth_year=1995)
    with pytest.raises(Conflict, match="SpO2 95%"):
        services.patient_home(patient=low, actor=care.officer)
    assert Patient.objects.get(pk=low.pk).status == "confirmed"


def test_surge_routes_the_days_cases_and_reserves_their_beds(care, new_patient):
    """Six new moderate cases and 4 routable tier 2 oxygen beds: 1 near (10 beds, 6 used, reserve 1: 3
    spare), the far one 9 spare; every proposal holds a reserved bed at once; nobody gets a bed that is
    not there."""
    from epiqr.care.models import Routing

    ps = [new_patient(rr=22, spo2=95) for _ in range(6)]
    result = services.routings_surge(actor=care.officer)
    assert (result.proposed, result.escalated, result.left) == (6, 0, 0)
    rows = list(Routing.objects.filter(surge=result.batch))
    near = [r for r in rows if r.facility == care.facilities["t2"]]
    assert len(near) == 3
    assert all(r.status == "proposed" and r.holds_bed for r in rows)
    assert {r.patient_id for r in rows} == {p.pk for p in ps}
    assert beds(care.facilities["t2"], "oxygen").reserved == 3
    assert beds(care.facilities["t2far"], "oxygen").reserved == 3
    # a second surge finds nothing left to route
    assert len(services.routings_surge(actor=care.officer)) == 0


def test_a_surge_proposal_accepted_keeps_its_bed_and_declined_gives_it_back(care, new_patient):
    from epiqr.care.models import Routing

    new_patient(rr=22, spo2=95)
    new_patient(rr=22, spo2=95)
    batch = services.routings_surge(actor=care.officer).batch
    a, b = Routing.objects.filter(surge=batch, facility=care.facilities["t2"]).order_by("pk")
    assert beds(care.facilities["t2"], "oxygen").reserved == 2
    services.routing_decide(routing_id=a.pk, actor=care.coordinator, accept=True)
    assert beds(care.facilities["t2"], "oxygen").reserved == 2  # not taken twice
    services.routing_decide(routing_id=b.pk, actor=care.coordinator, accept=False, reason="Không nhận")
    assert beds(care.facilities["t2"], "oxygen").reserved == 1
    b.refresh_from_db()
    assert b.status == "withdrawn" and not b.holds_bed


def test_a_surge_group_whose_beds_were_taken_meanwhile_is_routed_again(care, new_patient, monkeypatch):
    """The race: between reading the beds and reserving them, another coordinator took the near
    facility's last routable beds; its conditional UPDATE refuses the group, which goes to the far one."""
    from epiqr.care import selectors
    from epiqr.care.models import BedPool, Routing

    new_patient(rr=22, spo2=95)
    new_patient(rr=22, spo2=95)
    real = selectors.facility_beds
    calls = []

    def racing(**kw):
        beds = real(**kw)
        if not calls:  # after the first read, the near facility fills up
            BedPool.objects.filter(facility=care.facilities["t2"], kind="oxygen").update(reserved=4)
        calls.append(1)
        return beds

    monkeypatch.setattr(selectors, "facility_beds", racing)
    result = services.routings_surge(actor=care.officer)
    assert (result.proposed, result.left) == (2, 0) and len(calls) == 2
    assert set(Routing.objects.filter(surge=result.batch).values_list("facility_id", flat=True)) == {
        care.facilities["t2far"].pk
    }
    near = beds(care.facilities["t2"], "oxygen")
    assert near.occupied + near.reserved <= near.total and near.reserved == 4
    assert beds(care.facilities["t2far"], "oxygen").reserved == 2


def test_a_cancelled_case_frees_the_bed_of_an_admitted_patient_with_history(
    care, new_patient, django_capture_on_commit_callbacks
):
    """Hùng (made up) was admitted at tier 2 on a positive the lab then corrected: the officer cancels
    the case, care frees his oxygen bed and ends his care as cancelled, saying why."""
    from epiqr.cases.services import case_cancel

    t2 = care.facilities["t2"]
    p = new_patient(rr=22, spo2=95)
    r = services.routing_propose(patient=p, actor=care.officer)
    services.routing_decide(routing_id=r.pk, actor=care.coordinator, accept=True)
    p = services.patient_admit(patient=p, actor=care.coordinator)
    assert beds(t2, "oxygen").occupied == 7
    with django_capture_on_commit_callbacks(execute=True):  # care reacts to cases' event after commit
        case_cancel(case=p.case, reason="Phòng xét nghiệm sửa kết quả", actor=care.officer)
    p.refresh_from_db()
    assert (p.status, p.facility) == ("cancelled", None)
    assert (beds(t2, "oxygen").occupied, beds(t2, "oxygen").reserved) == (6, 0)
    last = p.history.order_by("-at", "-id").first()
    assert (last.from_status, last.to_status) == ("admitted", "cancelled")
    assert "Phòng xét nghiệm sửa kết quả" in last.note and last.actor == care.officer
    with pytest.raises(Conflict):
        services.routing_propose(patient=p, actor=care.officer)


def test_a_cancelled_case_gives_back_the_beds_its_routings_reserved(
    care, new_patient, django_capture_on_commit_callbacks
):
    """One patient with a surge proposal (a held bed), one accepted and on the way: both beds come back."""
    from epiqr.care.models import Routing
    from epiqr.cases.services import case_cancel

    t2 = care.facilities["t2"]
    on_way = new_patient(rr=22, spo2=95)
    r = services.routing_propose(patient=on_way, actor=care.officer)
    services.routing_decide(routing_id=r.pk, actor=care.coordinator, accept=True)
    surged = new_patient(rr=22, spo2=95)
    services.routings_surge(actor=care.officer)
    assert beds(t2, "oxygen").reserved == 2
    for p in (on_way, surged):
        with django_capture_on_commit_callbacks(execute=True):
            case_cancel(case=p.case, reason="Nhầm", actor=care.officer)
    assert (beds(t2, "oxygen").occupied, beds(t2, "oxygen").reserved) == (6, 0)
    assert set(Routing.objects.filter(patient__in=[on_way, surged]).values_list("status", flat=True)) == {
        "withdrawn"
    }
