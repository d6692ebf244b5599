"""Vaccination API: the station's dose recording, idempotent dose batches from other systems, a person's
doses, sessions; certificate verification (public)."""

import uuid
from datetime import date, datetime

from django.http import JsonResponse
from django.utils.translation import gettext as _
from ninja import Field, Query, Router, Schema

from epiqr.core.api_schema import Day, Id, Moment, errors
from epiqr.core.audit import no_personal_data
from epiqr.core.errors import Invalid
from epiqr.core.input_guard import json_loads
from epiqr.core.lists import api_page, api_params, api_query
from epiqr.core.permissions import check_capability

from . import permissions, selectors, services
from .schedules import PRODUCTS
from .views import verdict_text

router = Router(tags=["vaccination"])


class VaccinationDoseOut(Schema):
    id: int
    person_public_id: str
    full_name: str
    number: int
    series_doses: int
    product: str
    lot_number: str
    given_at: datetime
    country: str
    schedule: str
    observe_until: datetime | None
    stored: bool


def _dose_out(dose, *, stored: bool = True) -> dict:
    return {
        "id": dose.pk,
        "person_public_id": str(dose.person.public_id),
        "full_name": dose.person.full_name,
        "number": dose.number,
        "series_doses": dose.series_doses,
        "product": dose.product,
        "lot_number": dose.lot_number,
        "given_at": dose.given_at,
        "country": dose.country,
        "schedule": dose.schedule,
        "observe_until": dose.observe_until,
        "stored": stored,
    }


class VaccinationStationDoseIn(Schema):
    payload: str = Field(
        ...,
        max_length=2000,
        description="the scanned card or QR (CCCD, BHYT, national QR, EpiQR personal QR)",
    )
    lot_id: Id | None = Field(None, description="a lot of the session's product; default: the session's lot")
    override: str = Field(
        "", max_length=300, description="why a dose too early or contraindicated is given anyway"
    )
    client_id: uuid.UUID | None = Field(
        None, description="the station's own id of this dose: a retry stores it once"
    )


def _station_body(raw: bytes) -> VaccinationStationDoseIn:
    """The station's request, parsed by hand as the check-in scan's is (it runs on every dose; the schema
    above documents the same rules). Bad input is a 422 naming the field, unreadable JSON a 400."""
    data = json_loads(raw) if raw else None
    if not isinstance(data, dict):
        raise Invalid(_("The request body must be a JSON object."), code="bad_json")
    payload, override = data.get("payload"), data.get("override", "")
    if not isinstance(payload, str) or not payload.strip() or len(payload) > 2000:
        raise Invalid(_("Nothing was scanned."), code="empty", field="payload")
    if not isinstance(override, str) or len(override) > 300:
        raise Invalid(_("The reason must be text of at most 300 characters."), field="override")
    lot_id = data.get("lot_id")
    if lot_id is not None and (type(lot_id) is not int or not 0 < lot_id < 2**31):
        raise Invalid(_("Choose a lot of the session's vaccine."), field="lot_id")
    client_id = data.get("client_id")
    if client_id is not None:
        try:
            client_id = uuid.UUID(client_id) if isinstance(client_id, str) and len(client_id) <= 40 else None
        except ValueError:
            client_id = None
        if client_id is None:
            raise Invalid(_("client_id must be a UUID."), field="client_id")
    return VaccinationStationDoseIn.model_construct(
        payload=payload, lot_id=lot_id, override=override, client_id=client_id
    )


_STATION_SCHEMA = {
    "content": {"application/json": {"schema": VaccinationStationDoseIn.model_json_schema()}},
    "required": True,
}


@router.post(
    "/sessions/{session_id}/doses",
    response={201: VaccinationDoseOut, 200: VaccinationDoseOut, **errors(403, 404, 409)},
    openapi_extra={"requestBody": _STATION_SCHEMA},
)
@no_personal_data("as the check-in scan: answers the dose just recorded for the card the station scanned")
def station_dose(request, session_id: Id):
    """Record a dose at a session's station from one scan (what the station page does in two keystrokes).
    409 `too_early` or `contraindicated` without an `override` reason; a retried `client_id` answers 200
    with `stored: false`."""
    check_capability(request.user, permissions.VACCINATE)
    body = _station_body(request.body)
    session = selectors.session_for_station(user=request.user, pk=session_id)
    outcome = services.station_record_scan(
        session=session,
        payload=body.payload,
        actor=request.user,
        lot_id=body.lot_id,
        override=body.override,
        client_id=body.client_id,
    )
    # Encoded directly in the shape of VaccinationDoseOut (validating our own answer again is the cost of
    # a query on this path).
    return JsonResponse(_dose_out(outcome.dose, stored=outcome.stored), status=201 if outcome.stored else 200)


class VaccinationDoseItemIn(Schema):
    client_id: uuid.UUID = Field(..., description="the sender's own id of this dose (a retry stores it once)")
    site_id: Id = Field(..., description="the vaccination site that gave (or records) the dose: in your area")
    id_number: str = Field(..., min_length=9, max_length=12, description="CCCD (12 digits) or CMND (9)")
    full_name: str = Field(..., min_length=1, max_length=120)
    birth_date: Day | None = None
    sex: str = Field("", max_length=1)
    phone: str = Field("", max_length=20)
    product: str = Field(..., max_length=16, description="a product code of GET /vaccination/products")
    given_at: Moment
    lot_number: str = Field("", max_length=40)
    country: str = Field("VN", min_length=2, max_length=2)


class VaccinationDoseBatchIn(Schema):
    items: list[VaccinationDoseItemIn] = Field(..., max_length=1000)


class VaccinationDoseItemOut(Schema):
    client_id: str
    outcome: str  # stored, already_stored, rejected
    code: str = ""
    detail: str = ""
    dose_id: int | None = None
    number: int | None = None


class VaccinationDoseBatchOut(Schema):
    stored: int
    already_stored: int
    rejected: int
    items: list[VaccinationDoseItemOut]


@router.post("/doses", response={200: VaccinationDoseBatchOut, **errors(403)})
@no_personal_data("a sender's batch: answers each item's outcome and dose number only")
def dose_batch(request, body: VaccinationDoseBatchIn):
    """Doses given elsewhere (another system, a mobile team offline), judged one by one: each item is
    `stored`, `already_stored` (its client_id was sent before with the same content) or `rejected` with
    a code (`client_id_reused` for the same id with other content). One bad item never fails the batch."""
    check_capability(request.user, permissions.MANAGE)
    items = [services.DoseItem(**item.dict()) for item in body.items]
    return services.doses_record_batch(items=items, actor=request.user)


class VaccinationProductOut(Schema):
    code: str
    name: str
    vp: str
    mp: str
    ma: str
    manufacturer: str
    primary_doses: int


@router.get("/products", response={200: list[VaccinationProductOut]})
@no_personal_data("the vaccine products and their schedules")
def products(request):
    """The vaccine products and their EU DCC value-set codes."""
    return [p.__dict__ for p in PRODUCTS.values()]


class VaccinationSessionOut(Schema):
    id: int
    day: date
    site: str
    commune_code: int
    team: str
    product: str
    lot_number: str
    doses: int


SessionPage = api_page(VaccinationSessionOut, name="VaccinationSessionPage")
SessionListQuery = api_query(selectors.SESSIONS)


@router.get("/sessions", response={200: SessionPage, **errors(403, 422)})
@no_personal_data("vaccination sessions: sites, teams, days and dose counts")
def session_list(request, params: Query[SessionListQuery]):  # type: ignore[valid-type]
    """Vaccination sessions of your area, newest day first, with their dose counts; paged."""
    check_capability(request.user, permissions.VIEW)
    page = selectors.SESSIONS.get(
        selectors.session_list_visible_to(user=request.user),
        api_params(params),
        user=request.user,
        strict=True,
    )
    counts = selectors.session_dose_counts(sessions=page.items)
    items = [
        {
            "id": s.pk,
            "day": s.day,
            "site": s.site.name,
            "commune_code": s.site.commune_id,
            "team": s.team,
            "product": s.product,
            "lot_number": s.lot.number if s.lot else "",
            "doses": counts[s.pk],
        }
        for s in page.items
    ]
    return page.as_api(items, path=request.path)


class VaccinationVerifyIn(Schema):
    code: str = Field(..., max_length=8000, description="the scanned text, starting with HC1:")


class VaccinationVerifyEntryOut(Schema):
    """One DCC entry: a dose (`v`: dn, sd, mp, dt), a test (`t`: tt, tr, sc as dt) or a recovery (`r`:
    fr as dt, df, du)."""

    dn: int | None = None
    sd: int | None = None
    mp: str = ""
    dt: str = ""
    co: str = ""
    ci: str = ""
    tt: str = ""
    tr: str = ""
    fr: str = ""
    df: str = ""
    du: str = ""


class VaccinationVerifyOut(Schema):
    valid: bool
    reason: str = Field(
        ...,
        description="valid, malformed, unknown_key, withdrawn_key, bad_signature, expired, not_yet_valid or revoked",
    )
    message: str
    family_name: str
    given_name: str
    date_of_birth: str
    kind: str
    entries: list[VaccinationVerifyEntryOut]
    issuer: str
    kid: str
    issued_at: datetime | None
    expires_at: datetime | None


@router.post("/verify", response={200: VaccinationVerifyOut}, auth=None)
@no_personal_data("the public verifier: answers only what the scanned code itself carries")
def verify(request, body: VaccinationVerifyIn):
    """Public: decode any `HC1:` code and say whether it is valid against EpiQR's trust list and
    revocation list, and why not; the holder's name and date of birth are to compare with an ID card."""
    verdict = selectors.certificate_verify(code=body.code)
    entries = [
        {
            "dn": e.get("dn") if isinstance(e.get("dn"), int) else None,
            "sd": e.get("sd") if isinstance(e.get("sd"), int) else None,
            "mp": str(e.get("mp") or "")[:80],
            "dt": str(e.get("dt") or e.get("sc") or e.get("fr") or "")[:40],
            "co": str(e.get("co") or "")[:2],
            "ci": str(e.get("ci") or "")[:80],
            **{k: str(e.get(k) or "")[:40] for k in ("tt", "tr", "fr", "df", "du")},
        }
        for e in verdict.entries
    ]
    return {
        "valid": verdict.valid,
        "reason": verdict.reason,
        "message": verdict_text(verdict.reason),
        "family_name": verdict.family_name,
        "given_name": verdict.given_name,
        "date_of_birth": verdict.date_of_birth,
        "kind": verdict.kind,
        "entries": entries,
        "issuer": verdict.issuer,
        "kid": verdict.kid,
        "issued_at": verdict.issued_at,
        "expires_at": verdict.expires_at,
    }
