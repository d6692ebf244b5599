"""Care API at /api/v1/care/: bed capacity by province and tier (for the dashboards), proposing a
routing for a case (the hotline's urgent medical requests use the service itself), a coordinator's
decision on a routing."""

from datetime import date
from typing import Literal

from ninja import Field, Query, Router, Schema, Status

from epiqr.cases.selectors import case_get_visible_to
from epiqr.core import audit
from epiqr.core.api_schema import Id, errors
from epiqr.core.audit import no_personal_data, reads_personal_data
from epiqr.core.lists import api_page, api_params, api_query
from epiqr.core.permissions import check_capability
from epiqr.core.replica import replica_ok

from . import permissions, selectors, services

router = Router(tags=["care"])


class CareCapacityOut(Schema):
    province_id: int
    province: str
    tier: int = Field(..., description="QĐ 4111 tier: 1, 2 or 3")
    kind: str = Field(..., description="normal, oxygen or icu")
    total: int
    occupied: int
    reserved: int = Field(..., description="beds held by accepted routings whose patient has not arrived")
    free: int


class CareRoutingOut(Schema):
    id: int
    case_id: int
    status: str = Field(..., description="proposed, accepted, escalated (no facility had a bed) or withdrawn")
    facility_id: int | None
    facility: str | None
    tier: int
    bed_kind: str
    distance_km: float | None


class CareRoutingIn(Schema):
    case_id: Id
    reason: str = Field("", max_length=500)


class CareDecisionIn(Schema):
    decision: Literal["accept", "override", "decline"]
    facility_id: Id | None = Field(None, description="the facility of an override (one you coordinate)")
    reason: str = Field("", max_length=500, description="required to override or decline")


class CareBulkAcceptIn(Schema):
    routing_ids: list[Id] | None = Field(
        ..., max_length=500, description="the proposals to accept; null: all the facility's"
    )


class CareBulkLostOut(Schema):
    id: int
    reason: str


class CareBulkAcceptOut(Schema):
    accepted: list[int] = Field(..., description="routings accepted, their beds reserved")
    lost: list[CareBulkLostOut] = Field(
        ..., description="left proposed: the beds of their kind were taken meanwhile, or not a proposal here"
    )


class CarePatientOut(Schema):
    id: int
    case_id: int
    person_id: int
    full_name: str
    phone: str
    commune_id: int | None
    confirmed_on: date
    severity: str = Field(..., description="QĐ 4689: asymptomatic, mild, moderate, severe or critical")
    setting: str = Field(..., description="home, tier1, tier2, tier3 or empty (not placed yet)")
    status: str = Field(
        ..., description="confirmed, at_home, admitted, transferred, recovered, deceased, cancelled"
    )
    facility_id: int | None
    spo2: int | None


CarePatientPage = api_page(CarePatientOut, name="CarePatientPage")
CarePatientQuery = api_query(selectors.PATIENTS)


def _patient_out(p) -> CarePatientOut:
    return CarePatientOut(
        id=p.pk,
        case_id=p.case_id,
        person_id=p.person_id,
        full_name=p.person.full_name,
        phone=p.person.phone,
        commune_id=p.commune_id,
        confirmed_on=p.case.confirmed_on,
        severity=p.severity,
        setting=p.setting,
        status=p.status,
        facility_id=p.facility_id,
        spo2=p.spo2,
    )


def _routing_out(r) -> CareRoutingOut:
    return CareRoutingOut(
        id=r.pk,
        case_id=r.patient.case_id,
        status=r.status,
        facility_id=r.facility_id,
        facility=r.facility.name if r.facility_id else None,
        tier=r.tier,
        bed_kind=r.bed_kind,
        distance_km=r.distance_km,
    )


@router.get("/capacity", response={200: list[CareCapacityOut], **errors(403)})
@no_personal_data("bed counts per province, tier and kind")
@replica_ok()
def capacity(request):
    """Beds of the user's facilities or area, per province, tier and kind."""
    check_capability(request.user, permissions.VIEW)
    return selectors.capacity_by_province_tier(user=request.user)


@router.get("/patients", response={200: CarePatientPage, **errors(403, 422)})
@reads_personal_data("care.patients")
@replica_ok()
def list_patients(request, params: Query[CarePatientQuery]):  # type: ignore[valid-type]  # built by api_query
    """The F0 patients of your area (or of your facilities), newest first: `status`, `severity`,
    `setting`, `facility`, `commune`, name or phone (`q`); paged."""
    check_capability(request.user, permissions.VIEW)
    page = selectors.PATIENTS.get(
        selectors.patient_list_visible_to(user=request.user).select_related("case"),
        api_params(params),
        user=request.user,
        strict=True,
    )
    audit.annotate(row_count=len(page.items), detail=page.query.params())
    return page.as_api([_patient_out(p) for p in page.items], path=request.path)


@router.post("/routings", response={201: CareRoutingOut, **errors(403, 404, 409)})
@reads_personal_data("care.routing_propose")
def routing_propose(request, data: CareRoutingIn):
    """Propose the nearest facility with a free bed for a case of your area (201; `escalated` when none)."""
    check_capability(request.user, permissions.MONITOR)
    patient = services.patient_open(case=case_get_visible_to(user=request.user, case_id=data.case_id))
    return Status(
        201, _routing_out(services.routing_propose(patient=patient, actor=request.user, reason=data.reason))
    )


@router.post("/routings/{routing_id}/decision", response={200: CareRoutingOut, **errors(403, 404, 409)})
@reads_personal_data("care.routing_decide")
def routing_decide(request, routing_id: Id, data: CareDecisionIn):
    """Accept (the bed is reserved at once; 409 when it is gone), override to another of your facilities,
    or decline a routing."""
    check_capability(request.user, permissions.COORDINATE)
    r = services.routing_decide(
        routing_id=routing_id,
        actor=request.user,
        accept=data.decision != "decline",
        facility_id=data.facility_id if data.decision == "override" else None,
        reason=data.reason,
    )
    r.refresh_from_db()
    return _routing_out(r)


@router.post("/facilities/{facility_id}/accept", response={200: CareBulkAcceptOut, **errors(403, 404)})
@no_personal_data("routing numbers and reasons only")
def facility_accept(request, facility_id: Id, data: CareBulkAcceptIn):
    """Accept all (or the listed) proposals to one of your facilities at once: each bed reserved only if
    it is still free; those that lost the race stay proposed and are listed in `lost`."""
    check_capability(request.user, permissions.COORDINATE)
    done = services.routings_accept_bulk(
        facility_id=facility_id, actor=request.user, routing_ids=data.routing_ids
    )
    return CareBulkAcceptOut(
        accepted=done.accepted, lost=[CareBulkLostOut(id=i, reason=why) for i, why in done.lost]
    )
