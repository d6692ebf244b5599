"""Checkpoints API at /api/v1/checkpoints/: permits (apply, list, decide, revoke), verification at a
checkpoint, and the passage log a phone syncs (idempotent by client_id, scoped to the sender)."""

from datetime import date, datetime
from typing import Any

from django.http import JsonResponse
from django.utils.translation import gettext as _
from ninja import Field, Query, Router, Schema, Status

from epiqr.core.api_schema import Day, Id, errors
from epiqr.core.audit import no_personal_data, reads_personal_data
from epiqr.core.errors import Forbidden, Invalid
from epiqr.core.lists import api_page, api_params, api_query
from epiqr.core.permissions import check_capability, has_capability

from . import permissions, selectors, services

router = Router(tags=["checkpoints"])


class PermitOut(Schema):
    id: int
    status: str
    organisation: str
    holder_name: str
    holder_id_number: str
    purpose: int
    valid_from: date
    valid_until: date
    weekdays: int = Field(..., description="bit 0 Monday ... bit 6 Sunday")
    start_minute: int
    end_minute: int
    area_provinces: list[int]
    area_communes: list[int]
    plate: str
    reason: str
    applied_at: datetime
    decided_at: datetime | None
    qr: str = Field(..., description="the signed QR text (approved permits), empty otherwise")


def permit_out(p) -> dict:
    return {
        "id": p.pk,
        "status": p.status,
        "organisation": p.organisation.name,
        "holder_name": p.holder_name,
        "holder_id_number": p.holder_id_number,
        "purpose": p.purpose,
        "valid_from": p.valid_from,
        "valid_until": p.valid_until,
        "weekdays": p.weekdays,
        "start_minute": p.start_minute,
        "end_minute": p.end_minute,
        "area_provinces": p.area_provinces,
        "area_communes": p.area_communes,
        "plate": p.plate,
        "reason": p.reason,
        "applied_at": p.applied_at,
        "decided_at": p.decided_at,
        "qr": p.payload if p.status == "approved" else "",
    }


class PermitIn(Schema):
    id_number: str = Field(
        ..., max_length=600, description="CCCD, CMND or passport number, or a scanned CCCD"
    )
    full_name: str = Field("", max_length=120)
    phone: str = Field("", max_length=30)
    email: str = Field("", max_length=254)
    purpose: str = Field(..., max_length=100, description="number or name of the purpose")
    valid_from: Day
    valid_until: Day
    weekdays: str = Field("", max_length=60, description="e.g. T2-T6; empty: every day")
    hours: str = Field("", max_length=40, description="e.g. 06:00-22:00; empty: all day")
    area: str = Field(
        ..., max_length=1000, description="provinces or communes (names or codes) separated by ;"
    )
    plate: str = Field("", max_length=20)


PermitPage = api_page(PermitOut, name="PermitPage")
PermitListQuery = api_query(selectors.PERMITS)


@router.get("/permits", response={200: PermitPage, **errors(403, 422)})
@reads_personal_data("checkpoints.permit_list")
def list_permits(request, params: Query[PermitListQuery]):
    """Your organisation's permits, or those of your jurisdiction's organisations; paged and filtered."""
    check_capability(request.user, permissions.PERMIT_LIST)
    page = selectors.PERMITS.get(
        selectors.permit_list_visible_to(user=request.user),
        api_params(params),
        user=request.user,
        strict=True,
    )
    selectors.holders_note(numbers=[p.holder_id_number for p in page.items])
    return page.as_api([permit_out(p) for p in page.items], path=request.path)


@router.post("/permits", response={201: PermitOut, **errors(403)})
@no_personal_data(
    "a write (audited as checkpoints.permit_apply): answers with the application the caller has just sent"
)
def apply(request, body: PermitIn):
    """Apply for one person of your organisation (422 lists every problem)."""
    permit = services.permit_apply(actor=request.user, data=body.dict())
    return Status(201, permit_out(permit))


class DecideIn(Schema):
    permits: list[Id] = Field(..., max_length=500)
    approve: bool
    reason: str = Field("", max_length=300)


class DecideOut(Schema):
    decided: list[int]
    skipped: list[dict]


@router.post("/permits/decide", response={200: DecideOut, **errors(403)})
@no_personal_data("a write: answers with the numbers of the permits decided and skipped")
def decide(request, body: DecideIn):
    """Approve (signed, holders told) or refuse (reason required) applications of your jurisdiction."""
    report = services.permits_decide(
        actor=request.user, permit_ids=body.permits, approve=body.approve, reason=body.reason
    )
    return {
        "decided": [p.pk for p in report.done],
        "skipped": [{"id": i, "reason": r} for i, r in report.skipped],
    }


@router.get("/permits/{permit_id}", response={200: PermitOut, **errors(403, 404)})
@reads_personal_data("checkpoints.permit_view", target=("checkpoints.permit", "permit_id"))
def get_permit(request, permit_id: Id):
    check_capability(request.user, permissions.PERMIT_LIST)
    permit = selectors.permit_get_visible(user=request.user, permit_id=permit_id)
    selectors.holders_note(numbers=[permit.holder_id_number])
    return permit_out(permit)


class RevokeIn(Schema):
    reason: str = Field(..., max_length=300)


@router.post("/permits/{permit_id}/revoke", response={200: PermitOut, **errors(403, 404)})
@no_personal_data(
    "a write (audited as checkpoints.permit_revoke): answers with the permit the caller has just revoked"
)
def revoke(request, permit_id: Id, body: RevokeIn):
    return permit_out(services.permit_revoke(actor=request.user, permit_id=permit_id, reason=body.reason))


class VerifyIn(Schema):
    checkpoint: Id
    permit: str = Field("", max_length=2000, description="the scanned permit QR text")
    card: str = Field(
        "", max_length=2000, description="the holder's scanned CCCD, typed ID number or personal QR"
    )


class VerifyOut(Schema):
    valid: bool
    reasons: list[str]
    reason_texts: list[str]
    notes: list[str]
    note_texts: list[str]
    alert: bool = Field(..., description="the registry shows the person red (active case, F1 in quarantine)")
    permit: int | None
    holder_id: str
    holder_name: str
    plate: str
    permit_detail: dict | None = None
    registry: dict | None = None


@router.post("/verify", response={200: VerifyOut, **errors(403)})
@reads_personal_data("checkpoints.registry_lookup")
def verify(request, body: VerifyIn):
    """Verify a scan at one of your checkpoints, with the population registry's status of the person
    (the registry read is audited). Nothing is stored: log the passage through /passages."""
    check_capability(request.user, permissions.VERIFY)
    checkpoint = selectors.checkpoint_list_for_officer(user=request.user).filter(pk=body.checkpoint).first()
    if checkpoint is None:
        raise Forbidden(_("You are not an officer of this checkpoint."), code="not_your_checkpoint")
    if not body.permit.strip() and not body.card.strip():
        raise Invalid(_("Scan a permit or an ID card."), field="permit")
    return selectors.scan_verify(
        user=request.user, checkpoint=checkpoint, permit_text=body.permit, card_text=body.card
    )


class PassageItemOut(Schema):
    index: int
    client_id: str
    status: str = Field(..., description="stored, duplicate or rejected")
    reason: str | None = None
    code: str | None = None
    passage_id: int | None = None


class PassagesOut(Schema):
    stored: int
    duplicates: int
    rejected: int
    items: list[PassageItemOut]


class PassagesIn(Schema):
    items: list[Any] = Field(..., description=(
        "each: client_id (UUID), checkpoint (code), at (ISO time), outcome (valid|not_valid), reasons "
        "(codes), direction (in|out), plate, permit (number), holder_id, holder_name, alert (bool)"
    ))  # fmt: skip


@router.post("/passages", response={200: PassagesOut, **errors(403)})
@no_personal_data("a phone's passages stored: the answer is their client ids and statuses")
def passages(request, body: PassagesIn):
    """Upload the passages a phone logged (maybe offline). Idempotent by client_id: the same id again is
    `duplicate`; the same id for a different passage is rejected (`client_id_reused`); a bad item is
    rejected alone."""
    results = services.passages_sync(actor=request.user, items=body.items)
    counts = {"stored": 0, "duplicate": 0, "rejected": 0}
    for r in results:
        counts[r.status] += 1
    return JsonResponse(
        {
            "stored": counts["stored"],
            "duplicates": counts["duplicate"],
            "rejected": counts["rejected"],
            "items": [r.as_dict() for r in results],
        }
    )


class CheckpointOut(Schema):
    id: int
    code: str
    name: str
    kind: str
    commune_code: int
    province_code: int
    opens_at: str | None
    closes_at: str | None
    shift: dict


@router.get("/checkpoints", response={200: list[CheckpointOut], **errors(403)})
@no_personal_data("the caller's checkpoints: places, hours and the shift's counts")
def list_checkpoints(request):
    """The checkpoints you work at (checkpoint officers) or manage (officers), with the shift's counts."""
    if not (
        has_capability(request.user, permissions.VERIFY) or has_capability(request.user, permissions.MANAGE)
    ):
        raise Forbidden(_("Only checkpoint officers and health officers see checkpoints."))
    out = []
    for c in selectors.checkpoint_list_visible_to(user=request.user)[:500]:
        counts = selectors.shift_counts(checkpoint=c)
        out.append(
            {
                "id": c.pk,
                "code": c.code,
                "name": c.name,
                "kind": c.kind,
                "commune_code": c.commune_id,
                "province_code": c.commune.province_id,
                "opens_at": c.opens_at.strftime("%H:%M") if c.opens_at else None,
                "closes_at": c.closes_at.strftime("%H:%M") if c.closes_at else None,
                "shift": {
                    "since": counts.since.isoformat(),
                    "total": counts.total,
                    "valid": counts.valid,
                    "not_valid": counts.not_valid,
                    "red": counts.red,
                },
            }
        )
    return out
